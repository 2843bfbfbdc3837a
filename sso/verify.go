package sso

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/jitgit/jitgit/auth"
)

// errTokenRefused is every ID token that fails a check; the wrapped
// reason is for the audit trail and the log, never for deciding.
var errTokenRefused = errors.New("identity token refused")

// providers discovers each issuer once, on first use, and keeps its
// metadata and key set (which refetches keys it does not know, so a key
// rotation at the provider is followed). A failed discovery is tried again
// on the next use.
type providers struct {
	client *http.Client
	mu     sync.Mutex
	by     map[string]*oidc.Provider
}

func newProviders(client *http.Client) *providers {
	return &providers{client: newHTTPClient(client), by: map[string]*oidc.Provider{}}
}

// get returns the provider of issuer.
func (ps *providers) get(ctx context.Context, issuer string) (*oidc.Provider, error) {
	ps.mu.Lock()
	p := ps.by[issuer]
	ps.mu.Unlock()
	if p != nil {
		return p, nil
	}
	// The key set keeps the context it was made with for its later
	// fetches, so it gets one that outlives this request; the client's
	// timeout bounds each fetch.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), ps.client), issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: identity provider %s is unreachable or misconfigured: %v", auth.ErrUpstream, issuer, err)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if have := ps.by[issuer]; have != nil {
		return have, nil
	}
	ps.by[issuer] = p
	return p, nil
}

// verified is an ID token that passed every check, with its claims.
type verified struct {
	token    *oidc.IDToken
	claims   map[string]any
	authTime time.Time
}

// checks are what one verification requires beyond the signature.
type checks struct {
	issuer     string
	audience   string // our client id, or the rule's audience
	algorithms []string
	skew       time.Duration
	now        func() time.Time
}

// verify checks raw as the OpenID Connect core spec requires of an ID
// token: signed with one of the provider's current keys by an allowed
// algorithm, issued by the issuer, for the audience (and, when it names
// several audiences or an authorized party, authorized for it), not expired,
// not used before nbf, not issued in the future; the clock may be off by
// skew, no more.
func verify(ctx context.Context, p *oidc.Provider, c checks, raw string) (verified, error) {
	if len(raw) > 64<<10 {
		return verified{}, fmt.Errorf("%w: longer than 64 KiB", errTokenRefused)
	}
	v := p.Verifier(&oidc.Config{
		ClientID:             c.audience,
		SupportedSigningAlgs: c.algorithms,
		// go-oidc allows no leeway on exp: it sees the time skew earlier.
		Now: func() time.Time { return c.now().Add(-c.skew) },
	})
	t, err := v.Verify(ctx, raw)
	if err != nil {
		return verified{}, fmt.Errorf("%w: %v", errTokenRefused, err)
	}
	if t.Issuer != c.issuer {
		return verified{}, fmt.Errorf("%w: issuer %q, not %q", errTokenRefused, t.Issuer, c.issuer)
	}
	var claims map[string]any
	if err := t.Claims(&claims); err != nil {
		return verified{}, fmt.Errorf("%w: claims: %v", errTokenRefused, err)
	}
	now := c.now()
	nbf, hasNbf, err := numericDate(claims, "nbf")
	if err != nil {
		return verified{}, err
	}
	if hasNbf && nbf.After(now.Add(c.skew)) {
		return verified{}, fmt.Errorf("%w: not valid before %s", errTokenRefused, nbf.UTC().Format(time.RFC3339))
	}
	iat, hasIat, err := numericDate(claims, "iat")
	if err != nil {
		return verified{}, err
	}
	if !hasIat {
		return verified{}, fmt.Errorf("%w: no iat claim", errTokenRefused)
	}
	if iat.After(now.Add(c.skew)) {
		return verified{}, fmt.Errorf("%w: issued in the future (%s)", errTokenRefused, iat.UTC().Format(time.RFC3339))
	}
	azp, hasAzp := claims["azp"]
	if len(t.Audience) > 1 && !hasAzp {
		return verified{}, fmt.Errorf("%w: several audiences and no azp claim", errTokenRefused)
	}
	if hasAzp {
		if s, ok := azp.(string); !ok || s != c.audience {
			return verified{}, fmt.Errorf("%w: authorized party %v, not %q", errTokenRefused, azp, c.audience)
		}
	}
	if !slices.Contains(t.Audience, c.audience) {
		return verified{}, fmt.Errorf("%w: audience %q", errTokenRefused, t.Audience)
	}
	at, _, err := numericDate(claims, "auth_time")
	if err != nil {
		return verified{}, err
	}
	return verified{token: t, claims: claims, authTime: at}, nil
}

// numericDate reads a NumericDate claim (seconds since the epoch).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	f, ok := v.(float64)
	if !ok {
		if n, isNum := v.(json.Number); isNum {
			var err error
			if f, err = n.Float64(); err != nil {
				ok = false
			} else {
				ok = true
			}
		}
	}
	if !ok || f < 0 || f > 1e11 {
		return time.Time{}, false, fmt.Errorf("%w: claim %s is not a date", errTokenRefused, name)
	}
	return time.Unix(int64(f), 0), true, nil
}

// sameString compares secrets in constant time; an empty want never
// matches.
func sameString(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
