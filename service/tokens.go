package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// MaxTokenLifetime bounds token expiry: no configuration lets a token
// last longer than a year (tokens.max_lifetime is at most this).
const MaxTokenLifetime = 366 * 24 * time.Hour

// NoExpiry asks CreateToken for a token that never expires, which only a
// configuration with TokenNever allows.
const NoExpiry time.Duration = -1

// CreateToken makes a personal access token for user and returns the secret,
// which is shown this once and stored only hashed. ttl 0 means the
// configured default lifetime, NoExpiry none at all (if the configuration
// allows it); no token lives longer than the configured maximum.
// Users make their own; administrators anyone's.
func (s *Service) CreateToken(ctx context.Context, actor auth.Identity, user, name string, ttl time.Duration) (string, auth.Token, error) {
	if actor.User != user {
		if err := requireAdmin(actor, "making another user's token"); err != nil {
			return "", auth.Token{}, err
		}
	}
	ttl, err := s.tokenLifetime(ttl)
	if err != nil {
		return "", auth.Token{}, err
	}
	name, err = cleanText("token name", name, false, 100)
	if err != nil {
		return "", auth.Token{}, err
	}
	now := s.now().UTC()
	var expires time.Time
	if ttl > 0 {
		expires = now.Add(ttl)
	}
	return s.newToken(ctx, actor, user, name, now, expires, "", func(t auth.Token) audit.Event {
		return audit.Event{Action: "token.create", Target: user, Detail: "token " + t.ID}
	})
}

// tokenLifetime turns a requested lifetime into the one a token gets: 0
// is the default, NoExpiry stays 0 (never) where allowed.
func (s *Service) tokenLifetime(ttl time.Duration) (time.Duration, error) {
	switch {
	case ttl == 0:
		return s.cfg.Load().TokenDefault, nil
	case ttl == NoExpiry && s.cfg.Load().TokenNever:
		return 0, nil
	case ttl == NoExpiry:
		return 0, fmt.Errorf("%w: tokens must expire here (at most %s); the server's tokens.allow_never setting would allow tokens that never do", auth.ErrInvalid, auth.FormatDuration(s.cfg.Load().TokenMax))
	case ttl < 0 || ttl > s.cfg.Load().TokenMax:
		return 0, fmt.Errorf("%w: a token lives at most %s here (tokens.max_lifetime); ask for a shorter lifetime", auth.ErrInvalid, auth.FormatDuration(s.cfg.Load().TokenMax))
	}
	return ttl, nil
}

// newToken stores a new token of user, made by actor and bound to while
// (see auth.Token.While) when set, with the audit event that event makes
// of it, and returns its secret.
func (s *Service) newToken(ctx context.Context, actor auth.Identity, user, name string, now, expires time.Time, while string, event func(auth.Token) audit.Event) (string, auth.Token, error) {
	plain := secret.TokenPrefix + secret.NewSecret(32)
	t := auth.Token{ID: secret.NewID("t_"), User: user, Hash: secret.HashSecret(plain), Name: name, Created: now, Expires: expires, While: while}
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if _, err := tx.Users().Get(user); err != nil {
			return fmt.Errorf("user %s: %w", user, err)
		}
		if err := tx.Tokens().Create(t); err != nil {
			return fmt.Errorf("token for %s: %w", user, err)
		}
		return ev.add(event(t))
	})
	if err != nil {
		return "", auth.Token{}, err
	}
	return plain, t, nil
}

// tokenFor finds a live token by its secret.
func (s *Service) tokenFor(ctx context.Context, plain string) (auth.Token, error) {
	if len(plain) < len(secret.TokenPrefix)+20 || len(plain) > 200 {
		return auth.Token{}, auth.ErrUnauthenticated
	}
	h := secret.HashSecret(plain)
	t, err := read(ctx, s.store, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().ByHash(h) })
	if errors.Is(err, auth.ErrUnavailable) {
		return auth.Token{}, err
	}
	if err != nil || !secret.SameHash(t.Hash, h) || t.Revoked || (!t.Expires.IsZero() && !s.now().Before(t.Expires)) {
		return auth.Token{}, auth.ErrUnauthenticated
	}
	if !s.boundRuns(ctx, t) {
		return auth.Token{}, auth.ErrUnauthenticated
	}
	return t, nil
}

// ListTokens lists a user's tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, actor auth.Identity, user string) ([]auth.Token, error) {
	if actor.User != user {
		if err := requireAdmin(actor, "listing another user's tokens"); err != nil {
			return nil, err
		}
	}
	ts, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Token, error) { return tx.Tokens().List(user) })
	for i := range ts {
		ts[i].Hash = ""
	}
	return ts, err
}

// RevokeToken ends a token at once.
func (s *Service) RevokeToken(ctx context.Context, actor auth.Identity, user, id string) error {
	if actor.User != user {
		if err := requireAdmin(actor, "revoking another user's token"); err != nil {
			return err
		}
	}
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		t, err := tx.Tokens().Get(id)
		if err != nil {
			return err
		}
		if t.User != user {
			return fmt.Errorf("token %s of %s: %w", id, user, auth.ErrNotFound)
		}
		t.Revoked = true
		if err := tx.Tokens().Update(t); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "token.revoke", Target: user, Detail: "token " + id})
	})
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	return nil
}
