package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// Workloads exchanges CI identity tokens for short-lived jitgit tokens
// under the trust rules.
type Workloads struct {
	cfg       WorkloadConfig
	svc       *service.Service
	now       func() time.Time
	providers *providers
}

// NewWorkloads checks cfg and returns the exchange; issuers are
// discovered on first use. client makes every call to an issuer.
func NewWorkloads(cfg WorkloadConfig, svc *service.Service, client *http.Client, now func() time.Time) (*Workloads, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	return &Workloads{cfg: cfg, svc: svc, now: now, providers: newProviders(client)}, nil
}

// ErrNoRule is a verified token that no trust rule admits, or a token that
// failed verification; the message says which, in words for the CI log.
var ErrNoRule = fmt.Errorf("%w: token exchange refused", auth.ErrUnauthenticated)

// Exchange verifies raw, finds the first trust rule it satisfies, and asks
// the service for a token of the rule's user that ends no later than the
// identity token, the rule's max lifetime, and the grant or request the
// rule binds it to (named by grant or request). Every refusal is audited.
func (w *Workloads) Exchange(ctx context.Context, raw, grant, request, remote string) (string, auth.Token, error) {
	in, sub, iss, err := w.match(ctx, raw, grant, request)
	if err != nil {
		if rerr := w.svc.RefusedExchange(ctx, iss, sub, remote, err.Error()); rerr != nil {
			return "", auth.Token{}, errors.Join(err, rerr)
		}
		return "", auth.Token{}, err
	}
	in.Remote = remote
	return w.svc.ExchangeWorkloadToken(ctx, in)
}

func (w *Workloads) match(ctx context.Context, raw, grant, request string) (in service.WorkloadExchange, sub, iss string, err error) {
	raw = strings.TrimSpace(raw)
	// The issuer is read unverified only to pick whose keys verify the
	// token; everything used afterwards comes from the verified token.
	iss, err = unverifiedIssuer(raw)
	if err != nil {
		return in, "", "", err
	}
	var (
		tried bool
		last  error
	)
	for _, r := range w.cfg.Rules {
		if r.Issuer != iss {
			continue
		}
		tried = true
		p, err := w.providers.get(ctx, r.Issuer)
		if err != nil {
			return in, "", iss, err
		}
		v, err := verify(ctx, p, checks{issuer: r.Issuer, audience: r.Audience, algorithms: w.cfg.Algorithms, skew: w.cfg.ClockSkew, now: w.now}, raw)
		if err != nil {
			last = err
			continue
		}
		sub = v.token.Subject
		if ok, claim := matchClaims(v.claims, r.Claims); !ok {
			last = fmt.Errorf("%w: claim %s does not match rule %s", ErrNoRule, claim, r.ID)
			continue
		}
		in = service.WorkloadExchange{User: r.User, Rule: r.ID, Provider: r.Issuer, Subject: sub,
			Until: earliest(v.token.Expiry, w.now().Add(r.MaxLifetime))}
		switch r.While {
		case "grant":
			if grant == "" || request != "" {
				return in, sub, iss, fmt.Errorf("%w: rule %s gives a token only while a grant runs; name it (\"grant\": \"g_...\")", ErrNoRule, r.ID)
			}
			in.Grant = grant
		case "request":
			if request == "" || grant != "" {
				return in, sub, iss, fmt.Errorf("%w: rule %s gives a token only while a request runs; name it (\"request\": \"r_...\")", ErrNoRule, r.ID)
			}
			in.Request = request
		default:
			if grant != "" || request != "" {
				return in, sub, iss, fmt.Errorf("%w: rule %s binds the token to no grant or request; leave them out", ErrNoRule, r.ID)
			}
		}
		return in, sub, iss, nil
	}
	switch {
	case !tried:
		return in, sub, iss, fmt.Errorf("%w: no trust rule is for issuer %s", ErrNoRule, auth.Printable(iss))
	case errors.Is(last, errTokenRefused):
		return in, sub, iss, fmt.Errorf("%w: %w", ErrNoRule, last)
	}
	return in, sub, iss, last
}

// unverifiedIssuer reads the iss claim of a JWT without checking it.
func unverifiedIssuer(raw string) (string, error) {
	if raw == "" || len(raw) > 64<<10 {
		return "", fmt.Errorf("%w: %w: send the CI platform's identity token (a JWT, at most 64 KiB)", ErrNoRule, errTokenRefused)
	}
	t, err := jwt.ParseSigned(raw, algorithms(supportedAlgorithms))
	if err != nil {
		return "", fmt.Errorf("%w: %w: not a signed JWT", ErrNoRule, errTokenRefused)
	}
	var c jwt.Claims
	if err := t.UnsafeClaimsWithoutVerification(&c); err != nil || c.Issuer == "" {
		return "", fmt.Errorf("%w: %w: no issuer in the token", ErrNoRule, errTokenRefused)
	}
	return c.Issuer, nil
}

// earliest is the sooner of two instants.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func algorithms(names []string) []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(names))
	for i, n := range names {
		out[i] = jose.SignatureAlgorithm(n)
	}
	return out
}
