package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// reloader re-reads the config file on SIGHUP and on `jitgit config
// reload`, validates all of it, and applies what can change while the
// server runs: policies and protection rules. A file that does not
// validate changes nothing; the running config stays and the reason is
// logged, recorded and answered.
type reloader struct {
	path   string
	svc    *service.Service
	log    *slog.Logger
	mu     sync.Mutex // one reload at a time
	hangup chan os.Signal
}

// newReloader catches SIGHUP from now on (its default ends the process),
// for onHangup to handle.
func newReloader(path string, svc *service.Service, log *slog.Logger) *reloader {
	r := &reloader{path: path, svc: svc, log: log, hangup: make(chan os.Signal, 1)}
	signal.Notify(r.hangup, syscall.SIGHUP)
	return r
}

// errNoConfigFile refuses a reload of a server started without a file.
var errNoConfigFile = errors.New("the server runs on the embedded defaults (no --config file): nothing to reload")

// Reload applies the file and says what it applied.
func (r *reloader) Reload(ctx context.Context, actor auth.Identity) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.path == "" {
		return "", fmt.Errorf("%w: %w", auth.ErrInvalid, errNoConfigFile)
	}
	cfg, err := loadConfig(r.path)
	if err == nil {
		for _, p := range cfg.Policies {
			if verr := p.Validate(); verr != nil {
				err = fmt.Errorf("policy %q: %w", p.ID, verr)
				break
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("%w: config %s: %w; the running config is kept", auth.ErrInvalid, r.path, err)
		return "", errors.Join(err, r.svc.RecordConfigReload(ctx, actor, "error", err.Error()))
	}
	if err := r.svc.SyncProtections(ctx, cfg.Protections); err != nil {
		err = fmt.Errorf("config %s: protection rules: %w", r.path, err)
		return "", errors.Join(err, r.svc.RecordConfigReload(ctx, actor, "error", err.Error()))
	}
	if err := r.svc.SyncPolicies(ctx, "config", cfg.Policies); err != nil {
		err = fmt.Errorf("config %s: policies: %w", r.path, err)
		return "", errors.Join(err, r.svc.RecordConfigReload(ctx, actor, "error", err.Error()))
	}
	detail := fmt.Sprintf("%s: %d policies, %d protection rules applied; other settings take a restart", r.path, len(cfg.Policies), len(cfg.Protections))
	return detail, r.svc.RecordConfigReload(ctx, actor, "ok", detail)
}

// onHangup reloads on every SIGHUP until ctx ends, logging the outcome.
func (r *reloader) onHangup(ctx context.Context) {
	defer signal.Stop(r.hangup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.hangup:
			if detail, err := r.Reload(ctx, auth.System("signal")); err != nil {
				r.log.Error("SIGHUP: config not reloaded", "err", err)
			} else {
				r.log.Info("SIGHUP: config reloaded", "detail", detail)
			}
		}
	}
}
