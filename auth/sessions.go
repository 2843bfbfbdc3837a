package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SessionLifetime is how long a web session lasts after sign-in.
const SessionLifetime = 12 * time.Hour

// SignIn checks a user name and password for the web pages and opens a new
// session. It returns the session secret, which only the browser keeps
// (the store holds its hash), and the session with its CSRF token. Every
// sign-in makes a new session, so a secret planted before sign-in is
// worthless after it. Success and failure are both audited; a failure never
// says whether the user exists.
func (s *Service) SignIn(ctx context.Context, name, password, remote string) (string, Session, error) {
	fail := func(err error) (string, Session, error) {
		ev := Event{Actor: "anonymous", Remote: remote, Transport: "web", Action: "session.signin", Result: "deny", Detail: "wrong user name or password"}
		if ValidateUserName(name) == nil {
			ev.Target = name
		}
		if rerr := s.audit.Record(ctx, ev); rerr != nil {
			return "", Session{}, errors.Join(err, rerr)
		}
		return "", Session{}, err
	}
	// The session is made as of before the password is read, so that a
	// password change landing during the check (which sets SessionsAfter)
	// ends it too.
	now := s.now().UTC()
	who, err := s.Authenticate(ctx, name, password)
	if err != nil {
		return fail(err)
	}
	if who.Method != "password" {
		return fail(fmt.Errorf("%w: sign in with a password, not a token", ErrUnauthenticated))
	}
	secret := NewSecret(32)
	sess := Session{Hash: HashSecret(secret), User: who.User, CSRF: NewSecret(32), Created: now, Expires: now.Add(SessionLifetime)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, fmt.Errorf("session: %w", err)
	}
	who.Remote, who.Transport = remote, "web"
	if err := s.record(ctx, who, Event{Action: "session.signin", Target: who.User}); err != nil {
		_ = s.store.DeleteSession(ctx, sess.Hash)
		return "", Session{}, err
	}
	return secret, sess, nil
}

// SessionIdentity returns who holds the session secret, and the session.
// Unknown, expired and malformed secrets, and sessions of users disabled
// since, are all ErrUnauthenticated.
func (s *Service) SessionIdentity(ctx context.Context, secret string) (Identity, Session, error) {
	if len(secret) < 20 || len(secret) > 200 {
		return Identity{}, Session{}, ErrUnauthenticated
	}
	h := HashSecret(secret)
	sess, err := s.store.GetSession(ctx, h)
	if err != nil || !SameHash(sess.Hash, h) || !s.now().Before(sess.Expires) {
		return Identity{}, Session{}, ErrUnauthenticated
	}
	u, err := s.store.GetUser(ctx, sess.User)
	if err != nil || u.Disabled || sess.Created.Before(u.SessionsAfter) {
		return Identity{}, Session{}, ErrUnauthenticated
	}
	return Identity{User: u.Name, Groups: u.Groups, Admin: u.Admin, Approver: u.Approver, Method: "session"}, sess, nil
}

// SignOut ends the session with the secret on the server. Signing out of a
// session that is gone already succeeds.
func (s *Service) SignOut(ctx context.Context, actor Identity, secret string) error {
	if err := s.store.DeleteSession(ctx, HashSecret(secret)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return s.record(ctx, actor, Event{Action: "session.signout", Target: actor.User})
}
