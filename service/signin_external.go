package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// ExternalSignIn is a sign-in an identity provider has proven: the caller
// verified the provider's ID token and mapped its claims. Nothing in it is
// taken from an unverified claim.
type ExternalSignIn struct {
	User string
	// Groups are the user's groups as the provider states them; with
	// SyncGroups they replace the user's jitgit groups.
	Groups     []string
	SyncGroups bool
	// Create makes the user on first sign-in; without it an unknown user
	// is refused.
	Create bool
	// Provider names the provider for the audit trail (its issuer).
	Provider string
	// AuthTime is when the provider last authenticated the user (zero:
	// now). The session counts as made then, so a step-up check that asks
	// for a recent sign-in is not fooled by a provider session days old.
	AuthTime time.Time
	Remote   string
}

// SignInExternal opens a web session for a user the identity provider
// vouched for. An unknown user is created when in.Create says so, else
// refused; a disabled user is refused whatever the provider says. With
// SyncGroups the user's groups become in.Groups, and a change is audited.
// Every refusal is audited and is ErrUnauthenticated (or ErrForbidden for a
// disabled user) with a message a user can act on.
func (s *Service) SignInExternal(ctx context.Context, in ExternalSignIn) (string, auth.Session, error) {
	fail := func(err error, why string) (string, auth.Session, error) {
		ev := audit.Event{Actor: "anonymous", Remote: in.Remote, Transport: "web", Action: "session.signin", Result: "deny",
			Detail: "sso " + in.Provider + ": " + why}
		if auth.ValidateUserName(in.User) == nil {
			ev.Target = in.User
		}
		if rerr := s.audit.Record(ctx, ev); rerr != nil {
			return "", auth.Session{}, errors.Join(err, rerr)
		}
		return "", auth.Session{}, err
	}
	if err := auth.ValidateUserName(in.User); err != nil {
		return fail(fmt.Errorf("%w: the identity provider's user name is not one jitgit accepts (%v); ask an administrator", auth.ErrUnauthenticated, err), "bad user name")
	}
	if err := reservedName(in.User); err != nil {
		return fail(fmt.Errorf("%w: %v", auth.ErrUnauthenticated, err), "reserved user name")
	}
	groups, err := cleanGroups(in.Groups)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", auth.ErrUnauthenticated, err), "bad group name")
	}
	now := s.now().UTC()
	made := now
	if !in.AuthTime.IsZero() && in.AuthTime.Before(now) {
		made = in.AuthTime.UTC()
	}
	plain := secret.NewSecret(32)
	sess := auth.Session{Hash: secret.HashSecret(plain), User: in.User, CSRF: secret.NewSecret(32), Created: made, Expires: now.Add(SessionLifetime)}
	var disabled, stale bool
	var before []string
	var u auth.User
	// The events name the user who signs in; they are staged with the
	// changes, so a user made or regrouped is never unrecorded.
	as := func(ev audit.Event) audit.Event {
		ev.Actor, ev.Remote, ev.Transport = in.User, in.Remote, "web"
		return ev
	}
	err = s.update(ctx, auth.System("web"), func(tx storage.Tx, ev *changeEvents) error {
		disabled, stale, before = false, false, nil
		var err error
		u, err = tx.Users().Get(in.User)
		switch {
		case errors.Is(err, auth.ErrNotFound) && in.Create:
			u = auth.User{Name: in.User, Groups: groups, Created: now}
			if !in.SyncGroups {
				u.Groups = nil
			}
			if err := tx.Users().Create(u); err != nil {
				return err
			}
			if err := ev.add(as(audit.Event{Action: "user.create", Target: u.Name,
				Detail: fmt.Sprintf("sso %s groups=%s", in.Provider, strings.Join(u.Groups, ","))})); err != nil {
				return err
			}
		case err != nil:
			return err
		case u.Disabled:
			disabled = true
			return nil
		default:
			before = u.Groups
			if in.SyncGroups && !slices.Equal(u.Groups, groups) {
				u.Groups = groups
				if err := tx.Users().Update(u); err != nil {
					return err
				}
				if err := ev.add(as(audit.Event{Action: "user.update", Target: u.Name,
					Detail: fmt.Sprintf("sso %s groups=%s (were %s)", in.Provider, strings.Join(u.Groups, ","), strings.Join(before, ","))})); err != nil {
					return err
				}
			}
		}
		if sess.Created.Before(u.SessionsAfter) {
			// The provider's session predates the end of every session
			// of this user (a password change, say): it must authenticate
			// again.
			stale = true
			return nil
		}
		if err := tx.Sessions().Create(sess); err != nil {
			return err
		}
		return ev.add(as(audit.Event{Action: "session.signin", Target: u.Name, Detail: "sso " + in.Provider}))
	})
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return fail(fmt.Errorf("%w: there is no jitgit user %q; ask an administrator to add you", auth.ErrUnauthenticated, in.User), "no such user")
	case err != nil:
		return "", auth.Session{}, fmt.Errorf("sign in %s: %w", in.User, err)
	case disabled:
		return fail(fmt.Errorf("%w: user %q is disabled here; ask an administrator", auth.ErrForbidden, in.User), "user disabled")
	case stale:
		return fail(fmt.Errorf("%w: sign in at the identity provider again", auth.ErrUnauthenticated), "provider session older than the user's sessions")
	}
	return plain, sess, nil
}

// RefusedSignIn puts on the record a sign-in refused before it reached
// SignInExternal: an ID token that failed a check, a user outside the
// allowed groups. user may be empty when no claim could be trusted.
func (s *Service) RefusedSignIn(ctx context.Context, provider, user, remote, why string) error {
	ev := audit.Event{Actor: "anonymous", Remote: remote, Transport: "web", Action: "session.signin", Result: "deny", Detail: "sso " + provider + ": " + refusalText(why)}
	if auth.ValidateUserName(user) == nil {
		ev.Target = user
	}
	return s.audit.Record(ctx, ev)
}

// RefusedExchange puts on the record a token exchange refused before it
// reached ExchangeWorkloadToken: a token that failed a check or matched no
// trust rule.
func (s *Service) RefusedExchange(ctx context.Context, issuer, subject, remote, why string) error {
	return s.audit.Record(ctx, audit.Event{Actor: "anonymous", Remote: remote, Transport: "api", Action: "token.exchange", Result: "deny",
		Detail: fmt.Sprintf("issuer %s subject %s: %s", auth.Printable(issuer), auth.Printable(subject), refusalText(why))})
}

// refusalText bounds a reason for the audit trail.
func refusalText(why string) string {
	why = auth.Printable(why)
	if len(why) > 300 {
		why = why[:300] + "…"
	}
	return why
}
