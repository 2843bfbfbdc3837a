// Package service holds the use cases of jitgit: users, tokens, keys,
// repositories, mirrors, grants, requests and their approval, sessions and
// the audit queries. Each checks the actor's rights, changes the store and
// records the change; access itself is decided by auth.Authorizer.
package service

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// Config holds the limits of the access domain. Zero fields take the
// defaults of DefaultConfig.
type Config struct {
	MaxGrant        time.Duration // longest grant (7d)
	DefaultRequest  time.Duration // request duration when none is given (1h)
	PendingLifetime time.Duration // how long a request may wait for a decision (24h)
	Approvals       int           // approvals a request needs unless a policy says otherwise (1)
	MaxReason       int           // longest reason, in bytes (1000)
	// AllowLocalMirrors lets mirrors fetch from file:// URLs on the
	// server's own disk. Unsafe in production: whoever creates a mirror
	// could read any repository the server's user can.
	AllowLocalMirrors bool
	// ExpiringSoon is how long before its end a grant is announced
	// (grant.expiring) and marked as ending soon (DefaultExpiringSoon).
	ExpiringSoon time.Duration
	// PasswordCost is the work of a password hash (zero: the default).
	PasswordCost secret.PasswordCost
	// TokenDefault is the lifetime of a token made without one (30d),
	// TokenMax the longest any token may have (90d, at most a year);
	// TokenNever allows tokens that never expire.
	TokenDefault, TokenMax time.Duration
	TokenNever             bool
	// NoPasswords turns password sign-in off, on the web pages and for Git
	// and the API alike: people sign in through the identity provider and
	// use tokens and SSH keys.
	NoPasswords bool
	// Credentials seals the mirrors' upstream credentials at rest; nil:
	// credentials cannot be added or used.
	Credentials *secret.Box
	// AuditKey verifies the audit trail's signed checkpoints, signed at
	// least every AuditCheckpointEvery events (see audit.Log.SetCheckpoints);
	// nil: the trail has no checkpoints.
	AuditKey             ed25519.PublicKey
	AuditCheckpointEvery uint64
	// AuditKeys are more keys whose checkpoints verify: those of the other
	// nodes of a cluster. A checkpoint names its key (KeyID); one signed by
	// a key in neither AuditKey nor AuditKeys is refused.
	AuditKeys []ed25519.PublicKey
	// Limiters makes the service's throttles (wrong current passwords):
	// shared by the nodes of a cluster; nil: in this process's memory.
	Limiters ratelimit.NewLimiter
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{MaxGrant: 7 * 24 * time.Hour, DefaultRequest: time.Hour, PendingLifetime: 24 * time.Hour, Approvals: 1, MaxReason: 1000,
		TokenDefault: 30 * 24 * time.Hour, TokenMax: 90 * 24 * time.Hour}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxGrant <= 0 {
		c.MaxGrant = d.MaxGrant
	}
	if c.DefaultRequest <= 0 {
		c.DefaultRequest = min(d.DefaultRequest, c.MaxGrant)
	}
	if c.PendingLifetime <= 0 {
		c.PendingLifetime = d.PendingLifetime
	}
	if c.Approvals <= 0 {
		c.Approvals = d.Approvals
	}
	if c.MaxReason <= 0 {
		c.MaxReason = d.MaxReason
	}
	if c.TokenMax <= 0 {
		c.TokenMax = d.TokenMax
	}
	c.TokenMax = min(c.TokenMax, MaxTokenLifetime)
	if c.TokenDefault <= 0 {
		c.TokenDefault = d.TokenDefault
	}
	c.TokenDefault = min(c.TokenDefault, c.TokenMax)
	return c
}

// RepoFiles creates bare repositories on disk. server.Repos implements it.
// A repository is made in two steps around the transaction that stores its
// record, so that clients find it on disk only once it is registered.
type RepoFiles interface {
	// Stage creates the bare repository name out of clients' reach; an
	// error wrapping auth.ErrExists if it is there already.
	Stage(ctx context.Context, name string) error
	// Publish puts a staged repository in place.
	Publish(name string) error
	// Discard removes a staged repository.
	Discard(name string) error
}

// Service is the access domain: identities, repositories, grants, requests
// and the audit trail. Every change is checked against the actor's rights
// and recorded as an audit event.
type Service struct {
	store storage.Store
	files RepoFiles
	audit *audit.Log
	authz *auth.Authorizer
	// cfg holds the limits in force; SetLimits swaps in those of a
	// reloaded config while requests read it.
	cfg atomic.Pointer[Config]
	now func() time.Time
	// pwFails throttles wrong current passwords in ChangePassword, so a
	// stolen session or token cannot guess the password without limit.
	pwFails ratelimit.Limiter
	// passwords hashes at the configured cost.
	passwords *secret.Passwords
	// refusals folds repeated refusals into counted audit events.
	refusals *audit.Folder
	// nameKey keys the hashes NameOnRecord writes for names that are no
	// user's; it is new every start.
	nameKey []byte
	// bulkMu makes bulk files go one at a time (bulk.go).
	bulkMu sync.Mutex
	// observe, when set, sees every decision (ObserveDecisions).
	observe DecisionObserver
}

// New wires the use cases together over store, recording every change and
// decision in trail. now is the clock (time.Now in production).
func New(store storage.Store, files RepoFiles, trail *audit.Log, cfg Config, now func() time.Time) *Service {
	limiters := cfg.Limiters
	if limiters == nil {
		limiters = ratelimit.InMemory(now)
	}
	s := &Service{store: store, files: files, audit: trail, authz: auth.NewAuthorizer(store, trail, now), now: now,
		pwFails: limiters("password-change", 5, 5*time.Minute), passwords: secret.NewPasswords(cfg.PasswordCost),
		refusals: audit.NewFolder(trail, 0, 0, now), nameKey: []byte(secret.NewSecret(32))}
	cfg = cfg.withDefaults()
	s.cfg.Store(&cfg)
	return s
}

// Config returns the limits in force.
func (s *Service) Config() Config { return *s.cfg.Load() }

// Authorizer returns the one decision function.
func (s *Service) Authorizer() *auth.Authorizer { return s.authz }

// Authorize decides and audits one access; see Authorizer.Authorize.
func (s *Service) Authorize(ctx context.Context, who auth.Identity, repo string, action auth.Action) auth.Decision {
	if s.observe == nil {
		return s.authz.Authorize(ctx, who, repo, action)
	}
	start := time.Now()
	d := s.authz.Authorize(ctx, who, repo, action)
	s.observe(who, d, time.Since(start))
	return d
}

// record writes an audit event of actor that goes with no change in the
// store (a check, a verification, a refused sign-in) and waits until it is
// durable. The events of changes are staged with them; see update.
func (s *Service) record(ctx context.Context, actor auth.Identity, ev audit.Event) error {
	if err := s.audit.Record(ctx, s.fill(actor, ev)); err != nil {
		return fmt.Errorf("%s done but not audited: %w", ev.Action, err)
	}
	return nil
}

func requireAdmin(actor auth.Identity, what string) error {
	if !actor.Admin {
		return fmt.Errorf("%w: %s needs an administrator", auth.ErrForbidden, what)
	}
	return nil
}

// cleanText checks free text a user typed (reasons, comments, tickets):
// required if asked, bounded, valid UTF-8, and nothing that acts on a
// terminal or reorders text instead of being read (see badTextRune).
func cleanText(field, s string, required bool, limit int) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", fmt.Errorf("%w: %s is required", auth.ErrInvalid, field)
	}
	if len(s) > limit {
		return "", fmt.Errorf("%w: %s is longer than %d bytes", auth.ErrInvalid, field, limit)
	}
	for i, r := range s {
		if why := badTextRune(r); why != "" {
			return "", fmt.Errorf("%w: %s has %s (U+%04X) at byte %d; remove it", auth.ErrInvalid, field, why, r, i)
		}
	}
	return s, nil
}

// Ping reports whether the store answers, for health checks.
func (s *Service) Ping(ctx context.Context) error {
	if _, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Policy, error) { return tx.Policies().List() }); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
