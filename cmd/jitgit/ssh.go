package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/server"
)

// startSSH starts the SSH transport and returns its stop function.
func startSSH(ctx context.Context, cfg Config, svc *auth.Service, repos *server.Repos, runner *server.Runner, log *slog.Logger, out io.Writer) (func(), error) {
	return func() {}, nil
}

// printHostKey prints the SSH host key fingerprint.
func printHostKey(w io.Writer, cfg Config) error {
	return nil
}
