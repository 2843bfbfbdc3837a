package mirror

import (
	"context"
	"fmt"
	"strings"

	"github.com/jitgit/jitgit/service"
)

// Why a fetch failed, in the words status pages show first.
const (
	whyAuth        = "authentication failed"
	whyHostKey     = "host key changed"
	whyUnreachable = "upstream unreachable"
	whyNotFound    = "upstream repository not found"
	whyTimeout     = "timeout"
	whyOther       = "fetch failed"
)

// signs are what git, curl and ssh print for each failure, in the order
// they are looked for.
var signs = []struct {
	why   string
	texts []string
}{
	{whyHostKey, []string{"REMOTE HOST IDENTIFICATION HAS CHANGED", "Host key verification failed", "host key for", "No ED25519 host key is known", "No RSA host key is known", "No ECDSA host key is known"}},
	{whyAuth, []string{"Authentication failed", "Permission denied", "could not read Username", "could not read Password",
		"terminal prompts disabled", "The requested URL returned error: 401", "The requested URL returned error: 403", "Invalid username or password"}},
	{whyNotFound, []string{"does not appear to be a git repository", "Repository not found", "The requested URL returned error: 404", "repository not found"}},
	{whyUnreachable, []string{"Could not resolve host", "Could not resolve hostname", "Connection refused", "No route to host", "Network is unreachable",
		"Connection timed out", "Connection reset", "Connection closed by", "Failed to connect", "unable to connect", "Operation timed out"}},
}

// classify turns a failed fetch into an error that starts with why it
// failed in words and keeps git's own after it. A changed host key wraps
// service.ErrHostKeyChanged.
func classify(ctx context.Context, err error) error {
	msg := err.Error()
	if ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil && strings.HasPrefix(cause.Error(), whyTimeout) {
			return fmt.Errorf("%s: the upstream did not finish in time; the fetch was stopped and nothing changed (%s)", whyTimeout, msg)
		}
		return err
	}
	for _, s := range signs {
		for _, t := range s.texts {
			if !strings.Contains(msg, t) {
				continue
			}
			if s.why == whyHostKey {
				return fmt.Errorf("%w: the upstream's SSH host key is not the one pinned; nothing was fetched. If the upstream really has a new key, pin it with `jitgit repo mirror set NAME --host-key \"TYPE BASE64\"` (%s)",
					service.ErrHostKeyChanged, msg)
			}
			return fmt.Errorf("%s: %s", s.why, msg)
		}
	}
	return fmt.Errorf("%s: %s", whyOther, msg)
}
