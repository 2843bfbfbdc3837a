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

// SessionLifetime is how long a web session lasts after sign-in.
const SessionLifetime = 12 * time.Hour

// SignIn checks a user name and password for the web pages and opens a new
// session. It returns the session secret, which only the browser keeps
// (the store holds its hash), and the session with its CSRF token. Every
// sign-in makes a new session, so a secret planted before sign-in is
// worthless after it. Success and failure are both audited; a failure never
// says whether the user exists.
func (s *Service) SignIn(ctx context.Context, name, password, remote string) (string, auth.Session, error) {
	fail := func(err error) (string, auth.Session, error) {
		// Folded like every refusal, and with the name only when it is a
		// user's: a password typed as the name must not reach the trail.
		r := Refusal{Action: "session.signin", Transport: "web", Remote: remote, User: name, Reason: "wrong user name or password"}
		if errors.Is(err, secret.ErrBusy) {
			r.Reason = "too many password checks at once"
		}
		if rerr := s.RecordRefusal(ctx, r); rerr != nil {
			return "", auth.Session{}, errors.Join(err, rerr)
		}
		return "", auth.Session{}, err
	}
	// The session is made as of before the password is read, so that a
	// password change landing during the check (which sets SessionsAfter)
	// ends it too.
	now := s.now().UTC()
	who, err := s.Authenticate(ctx, name, password)
	if err != nil {
		return fail(err)
	}
	if who.Method != auth.MethodPassword {
		return fail(fmt.Errorf("%w: sign in with a password, not a token", auth.ErrUnauthenticated))
	}
	plain := secret.NewSecret(32)
	sess := auth.Session{Hash: secret.HashSecret(plain), User: who.User, CSRF: secret.NewSecret(32), Created: now, Expires: now.Add(SessionLifetime)}
	who.Remote, who.Transport = remote, "web"
	err = s.update(ctx, who, func(tx storage.Tx, ev *changeEvents) error {
		if err := tx.Sessions().Create(sess); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "session.signin", Target: who.User})
	})
	if err != nil {
		return "", auth.Session{}, fmt.Errorf("session: %w", err)
	}
	return plain, sess, nil
}

// SessionIdentity returns who holds the session secret, and the session.
// Unknown, expired and malformed secrets, and sessions of users disabled
// since, are all ErrUnauthenticated.
func (s *Service) SessionIdentity(ctx context.Context, plain string) (auth.Identity, auth.Session, error) {
	if len(plain) < 20 || len(plain) > 200 {
		return auth.Identity{}, auth.Session{}, auth.ErrUnauthenticated
	}
	h := secret.HashSecret(plain)
	var sess auth.Session
	var u auth.User
	err := s.store.View(ctx, func(tx storage.Tx) error {
		var err error
		if sess, err = tx.Sessions().Get(h, s.now()); err != nil {
			return err
		}
		u, err = tx.Users().Get(sess.User)
		return err
	})
	if err != nil || !secret.SameHash(sess.Hash, h) || u.Disabled || sess.Created.Before(u.SessionsAfter) {
		return auth.Identity{}, auth.Session{}, auth.ErrUnauthenticated
	}
	return u.Identity(auth.MethodSession), sess, nil
}

// SignOut ends the session with the secret on the server. Signing out of a
// session that is gone already succeeds.
func (s *Service) SignOut(ctx context.Context, actor auth.Identity, plain string) error {
	h := secret.HashSecret(plain)
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := tx.Sessions().Delete(h); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "session.signout", Target: actor.User})
	})
	if err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}
