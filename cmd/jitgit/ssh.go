package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
)

// newSSHPart makes the SSH transport and opens its listener; it serves once
// run. With cfg.SSH "off" it returns nil. The host key is made on first
// start.
func newSSHPart(cfg Config, svc *service.Service, repos *server.Repos, runner *server.Runner, now func() time.Time, log *slog.Logger, out io.Writer) (*sshPart, error) {
	if cfg.SSH == "off" {
		return nil, nil
	}
	key, created, err := server.LoadHostKey(filepath.Join(cfg.Data, server.HostKeyFile))
	if err != nil {
		return nil, err
	}
	l := cfg.SSHLimits
	srv, err := server.NewSSH(server.SSHConfig{
		HostKey: key, PublicURL: cfg.PublicURL, SSHURL: sshCloneBase(cfg),
		MaxSessionsPerConn: l.MaxSessionsPerConn, MaxConnsPerAddr: l.MaxConnsPerAddr,
		IdleTimeout: l.IdleTimeout, AuthTimeout: l.AuthTimeout, Now: now, ExpiringSoon: svc.ExpiringSoon(),
	}, svc, runner, repos, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.SSH)
	if err != nil {
		return nil, fmt.Errorf("SSH listen on %s: %w (set --ssh or JITGIT_SSH to another address, or \"off\")", cfg.SSH, err)
	}
	note := ""
	if created {
		note = ", new"
	}
	fmt.Fprintf(out, "jitgit: serving Git over SSH on %s, host key %s (%s%s)\n", ln.Addr(), ssh.FingerprintSHA256(key.PublicKey()), keyKind(key.PublicKey()), note)
	return &sshPart{srv: srv, ln: ln, grace: cfg.ShutdownGrace, log: log}, nil
}

// sshCloneBase is the base of SSH clone URLs: cfg.SSHPublicURL, or
// ssh://git@ the listen address.
func sshCloneBase(cfg Config) string {
	if cfg.SSHPublicURL != "" {
		return strings.TrimRight(cfg.SSHPublicURL, "/")
	}
	return "ssh://git@" + cfg.SSH
}

// printHostKey prints the SSH host key (made now if there is none yet) as
// a known_hosts entry for the server's SSH address, after a comment line
// with its fingerprint, so that
//
//	jitgit serve --print-host-key >> ~/.ssh/known_hosts
//
// pins it.
func printHostKey(w io.Writer, cfg Config) error {
	key, _, err := server.LoadHostKey(filepath.Join(cfg.Data, server.HostKeyFile))
	if err != nil {
		return err
	}
	pub := key.PublicKey()
	_, err = fmt.Fprintf(w, "# jitgit SSH host key %s (%s)\n%s %s", ssh.FingerprintSHA256(pub), keyKind(pub),
		knownHostsPattern(cfg), ssh.MarshalAuthorizedKey(pub))
	return err
}

// knownHostsPattern is the known_hosts host pattern of the server's SSH
// address: host, or [host]:port for a port other than 22; "*" for a
// wildcard listen address.
func knownHostsPattern(cfg Config) string {
	addr := cfg.SSH
	if u, err := url.Parse(cfg.SSHPublicURL); err == nil && cfg.SSHPublicURL != "" && u.Host != "" {
		addr = u.Host
		if u.Port() == "" {
			addr += ":22"
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "*"
	}
	if port == "22" {
		return host
	}
	return "[" + host + "]:" + port
}

// keyKind is the key type as ssh-keygen prints it, e.g. "ED25519".
func keyKind(pub ssh.PublicKey) string {
	return strings.ToUpper(strings.TrimPrefix(pub.Type(), "ssh-"))
}
