package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/notify"
	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
)

// reloader re-reads the config file on SIGHUP and on `jitgit config
// reload`, validates all of it, and applies what can change while the
// server runs: policies, protection rules, webhook receivers and the
// limits of service.Config, audit_deadline and the request body bounds.
// A key that takes a restart (restartKeys) keeps its running value and
// the answer names it. A file that does not validate changes nothing; the
// running config stays and the reason is logged, recorded and answered.
type reloader struct {
	path   string
	svc    *service.Service
	log    *slog.Logger
	mu     sync.Mutex // one reload at a time
	hangup chan os.Signal
	// live is what else a reload changes; nil until attach.
	live *liveParts
}

// liveParts are the running parts whose settings a reload changes, and
// the config they run with now.
type liveParts struct {
	running  Config
	webhooks *notify.Outbox
	trail    *audit.Log
	git      *server.HTTP
}

// attach hands the reloader the parts it changes besides the service,
// before the server serves.
func (r *reloader) attach(running Config, webhooks *notify.Outbox, trail *audit.Log, git *server.HTTP) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.live = &liveParts{running: running, webhooks: webhooks, trail: trail, git: git}
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
	if err != nil {
		err = atLine(r.path, err)
	} else {
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
	detail := fmt.Sprintf("%s: %d policies, %d protection rules applied", r.path, len(cfg.Policies), len(cfg.Protections))
	if r.live != nil {
		changed, kept, err := r.live.apply(ctx, r.svc, cfg)
		if len(changed) > 0 {
			detail += "; changed: " + strings.Join(changed, "; ")
		}
		if len(kept) > 0 {
			detail += "; " + strings.Join(kept, ", ") + " take a restart: the running values are kept"
		}
		if err != nil {
			err = fmt.Errorf("config %s: %w (%s)", r.path, err, detail)
			return "", errors.Join(err, r.svc.RecordConfigReload(ctx, actor, "error", err.Error()))
		}
	}
	return detail, r.svc.RecordConfigReload(ctx, actor, "ok", detail)
}

// apply puts in force what of cfg may change while the server runs and
// returns what changed (never a secret: webhooks are named, not shown)
// and the keys kept for a restart.
func (l *liveParts) apply(ctx context.Context, svc *service.Service, cfg Config) (changed, kept []string, err error) {
	kept = needRestart(l.running, cfg)
	hooks, err := l.webhooks.SetReceivers(ctx, cfg.Webhooks)
	if err != nil {
		return nil, kept, fmt.Errorf("webhooks: %w", err)
	}
	l.running.Webhooks = cfg.Webhooks
	changed = append(changed, hooks...)
	changed = append(changed, svc.SetLimits(cfg.Auth)...)
	l.running.Auth = svc.Config()
	if cfg.AuditDeadline != l.running.AuditDeadline {
		changed = append(changed, fmt.Sprintf("audit_deadline %s → %s", auth.FormatDuration(l.running.AuditDeadline), auth.FormatDuration(cfg.AuditDeadline)))
		l.trail.SetDeadline(cfg.AuditDeadline)
		l.running.AuditDeadline = cfg.AuditDeadline
	}
	if cfg.MaxFetchBody != l.running.MaxFetchBody {
		changed = append(changed, fmt.Sprintf("limits.max_fetch_bytes %d → %d", l.running.MaxFetchBody, cfg.MaxFetchBody))
	}
	if cfg.MaxPushBody != l.running.MaxPushBody {
		changed = append(changed, fmt.Sprintf("limits.max_push_bytes %d → %d", l.running.MaxPushBody, cfg.MaxPushBody))
	}
	l.git.SetMaxBodies(cfg.MaxFetchBody, cfg.MaxPushBody)
	l.running.MaxFetchBody, l.running.MaxPushBody = cfg.MaxFetchBody, cfg.MaxPushBody
	return changed, kept, nil
}

// atLine adds to a config error the line of the file it is about, when
// the message names a key or an entry and does not say its line.
func atLine(path string, err error) error {
	text, rerr := os.ReadFile(path)
	if rerr != nil {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), "config "+path+": ")
	if n := keyLine(string(text), msg); n > 0 {
		return fmt.Errorf("%w (line %d)", err, n)
	}
	return err
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
