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
	"github.com/jitgit/jitgit/storage"
)

// WorkloadExchange is a CI job's verified identity token, mapped by a trust
// rule to a jitgit machine user. The caller verified the token and matched
// the rule; nothing in it comes from an unverified claim.
type WorkloadExchange struct {
	User     string // the machine user the rule names
	Rule     string // the rule's id, for the audit trail
	Provider string // the token's issuer
	Subject  string // the token's subject, for the audit trail
	// Until is the latest end the token may have: the ID token's expiry,
	// or sooner if the rule says so.
	Until time.Time
	// Grant or Request, when set, bind the token to a grant or request of
	// the user: it is refused unless that grant is active (or that
	// request pending or approved with its grant active), and it ends
	// no later than they do.
	Grant, Request string
	Remote         string
}

// maxExchangedToken bounds an exchanged token whatever the caller asks:
// an identity token that claims to live for days buys one day.
const maxExchangedToken = 24 * time.Hour

// ExchangeWorkloadToken makes a short-lived token for the machine user of
// a trust rule. A disabled or unknown user, a lapsed bound, and a grant or
// request of someone else are refused, audited, as ErrUnauthenticated or
// ErrForbidden; the token's secret is returned once.
func (s *Service) ExchangeWorkloadToken(ctx context.Context, in WorkloadExchange) (string, auth.Token, error) {
	detail := fmt.Sprintf("rule %s issuer %s subject %s", in.Rule, in.Provider, auth.Printable(in.Subject))
	fail := func(err error) (string, auth.Token, error) {
		ev := audit.Event{Actor: "anonymous", Remote: in.Remote, Transport: "api", Action: "token.exchange", Result: "deny",
			Target: in.User, Detail: detail + ": " + err.Error()}
		if rerr := s.audit.Record(ctx, ev); rerr != nil {
			return "", auth.Token{}, errors.Join(err, rerr)
		}
		return "", auth.Token{}, err
	}
	now := s.now().UTC()
	until := earliest(in.Until, now.Add(maxExchangedToken))
	if !now.Before(until) {
		return fail(fmt.Errorf("%w: the identity token has expired; get a fresh one from the CI platform", auth.ErrUnauthenticated))
	}
	u, err := read(ctx, s.store, func(tx storage.Tx) (auth.User, error) {
		u, err := tx.Users().Get(in.User)
		if err != nil {
			return u, err
		}
		if in.Grant != "" {
			g, err := tx.Grants().Get(in.Grant)
			if errors.Is(err, auth.ErrNotFound) || (err == nil && !grantOf(g, u)) {
				return u, fmt.Errorf("%w: grant %s is not one of %s's", auth.ErrForbidden, in.Grant, u.Name)
			}
			if err != nil {
				return u, err
			}
			if !g.ActiveAt(now) {
				return u, fmt.Errorf("%w: grant %s is not active; the token lives only while it runs", auth.ErrForbidden, g.ID)
			}
			until = earliest(until, g.End())
		}
		if in.Request != "" {
			r, err := tx.Requests().Get(in.Request)
			if errors.Is(err, auth.ErrNotFound) || (err == nil && r.Requester != u.Name) {
				return u, fmt.Errorf("%w: request %s is not one of %s's", auth.ErrForbidden, in.Request, u.Name)
			}
			if err != nil {
				return u, err
			}
			switch {
			case r.Status == auth.StatusPending && now.Before(r.Expires):
				until = earliest(until, r.Expires)
			case r.Status == auth.StatusApproved && r.Grant != "":
				g, err := tx.Grants().Get(r.Grant)
				if err != nil || !g.ActiveAt(now) {
					return u, fmt.Errorf("%w: the grant of request %s is not active; the token lives only while it runs", auth.ErrForbidden, r.ID)
				}
				until = earliest(until, g.End())
			default:
				return u, fmt.Errorf("%w: request %s is %s; the token lives only while it is pending or its grant runs", auth.ErrForbidden, r.ID, r.Status)
			}
		}
		return u, nil
	})
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return fail(fmt.Errorf("%w: the trust rule's user %q does not exist; ask an administrator to add it", auth.ErrUnauthenticated, in.User))
	case errors.Is(err, auth.ErrForbidden):
		return fail(err)
	case err != nil:
		return "", auth.Token{}, fmt.Errorf("token exchange: %w", err)
	case u.Disabled:
		return fail(fmt.Errorf("%w: user %q is disabled", auth.ErrForbidden, in.User))
	}
	while := ""
	switch {
	case in.Grant != "":
		while = "grant:" + in.Grant
	case in.Request != "":
		while = "request:" + in.Request
	}
	who := u.Identity(auth.MethodToken)
	who.Remote, who.Transport = in.Remote, "api"
	return s.newToken(ctx, who, u.Name, "exchange "+in.Rule, now, until, while, func(t auth.Token) audit.Event {
		return audit.Event{Action: "token.exchange", Target: u.Name,
			Detail: fmt.Sprintf("token %s %s until %s", t.ID, detail, until.Format(time.RFC3339))}
	})
}

// grantOf reports whether g is the user's own or one of the user's groups'.
func grantOf(g auth.Grant, u auth.User) bool {
	if g.Subject == auth.UserPrincipal(u.Name) {
		return true
	}
	return slices.ContainsFunc(u.Groups, func(grp string) bool { return g.Subject == auth.GroupPrincipal(grp) })
}

// earliest is the sooner of two instants.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// boundRuns reports whether the grant or request a token lives with still
// runs: the grant active now, or the request pending and not lapsed, or
// approved with its grant active. A token bound to nothing always does. A
// grant revoked early thus ends its tokens at their next use.
func (s *Service) boundRuns(ctx context.Context, t auth.Token) bool {
	if t.While == "" {
		return true
	}
	kind, id, _ := strings.Cut(t.While, ":")
	now := s.now()
	ok, err := read(ctx, s.store, func(tx storage.Tx) (bool, error) {
		switch kind {
		case "grant":
			g, err := tx.Grants().Get(id)
			return err == nil && g.ActiveAt(now), nil
		case "request":
			r, err := tx.Requests().Get(id)
			switch {
			case err != nil || r.Requester != t.User:
				return false, nil
			case r.Status == auth.StatusPending:
				return now.Before(r.Expires), nil
			case r.Status == auth.StatusApproved && r.Grant != "":
				g, err := tx.Grants().Get(r.Grant)
				return err == nil && g.ActiveAt(now), nil
			}
		}
		return false, nil
	})
	return err == nil && ok
}
