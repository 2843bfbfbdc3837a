package service

import (
	"context"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// MaxTokenLifetime bounds token expiry: a token may last at most a year.
const MaxTokenLifetime = 366 * 24 * time.Hour

// CreateToken makes a personal access token for user and returns the secret,
// which is shown this once and stored only hashed. ttl 0 means no expiry.
// Users make their own; administrators anyone's.
func (s *Service) CreateToken(ctx context.Context, actor auth.Identity, user, name string, ttl time.Duration) (string, auth.Token, error) {
	if actor.User != user {
		if err := requireAdmin(actor, "making another user's token"); err != nil {
			return "", auth.Token{}, err
		}
	}
	if ttl < 0 || ttl > MaxTokenLifetime {
		return "", auth.Token{}, fmt.Errorf("%w: token lifetime must be between 0 (no expiry) and %s", auth.ErrInvalid, auth.FormatDuration(MaxTokenLifetime))
	}
	name, err := cleanText("token name", name, false, 100)
	if err != nil {
		return "", auth.Token{}, err
	}
	plain := secret.TokenPrefix + secret.NewSecret(32)
	now := s.now().UTC()
	t := auth.Token{ID: secret.NewID("t_"), User: user, Hash: secret.HashSecret(plain), Name: name, Created: now}
	if ttl > 0 {
		t.Expires = now.Add(ttl)
	}
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if _, err := tx.Users().Get(user); err != nil {
			return fmt.Errorf("user %s: %w", user, err)
		}
		if err := tx.Tokens().Create(t); err != nil {
			return fmt.Errorf("token for %s: %w", user, err)
		}
		return ev.add(audit.Event{Action: "token.create", Target: user, Detail: "token " + t.ID})
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
	if err != nil || !secret.SameHash(t.Hash, h) || t.Revoked || (!t.Expires.IsZero() && !s.now().Before(t.Expires)) {
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
