package sso

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/jitgit/jitgit/sso/ssotest"
)

// TestVerifyRefuses runs every check of an ID token against tokens of a
// real provider, one broken at a time; the good one passes, so each
// refusal is the check's doing.
func TestVerifyRefuses(t *testing.T) {
	p := ssotest.Start(t, "jitgit", "client-secret")
	ps := newProviders(nil)
	prov, err := ps.get(context.Background(), p.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := checks{issuer: p.Issuer, audience: "jitgit", algorithms: []string{"RS256"}, skew: 30 * time.Second, now: func() time.Time { return now }}
	good := func(extra map[string]any) map[string]any { return p.Claims("sub-1", "jitgit", 5*time.Minute, extra) }
	with := func(k string, v any) map[string]any {
		m := good(nil)
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	if _, err := verify(context.Background(), prov, c, p.Sign(good(nil))); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	if _, err := verify(context.Background(), prov, c, p.Sign(with("exp", now.Add(-20*time.Second).Unix()))); err != nil {
		t.Errorf("token expired within the clock skew refused: %v", err)
	}
	tampered := func() string {
		parts := strings.Split(p.Sign(good(nil)), ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = []byte(strings.Replace(string(payload), `"sub-1"`, `"sub-2"`, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, ".")
	}()
	hs256 := func() string {
		s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("client-secret-client-secret-0123")}, nil)
		jws, _ := s.Sign([]byte(`{"iss":"` + p.Issuer + `","aud":"jitgit","sub":"x","exp":9999999999,"iat":1}`))
		out, _ := jws.CompactSerialize()
		return out
	}()
	for name, raw := range map[string]string{
		"tampered payload":          tampered,
		"signed by another key":     p.SignWithOtherKey(good(nil)),
		"HS256 with client secret":  hs256,
		"expired":                   p.Sign(with("exp", now.Add(-time.Minute).Unix())),
		"wrong audience":            p.Sign(with("aud", "someone-else")),
		"wrong issuer":              p.Sign(with("iss", "https://evil.example")),
		"not yet valid":             p.Sign(with("nbf", now.Add(2*time.Minute).Unix())),
		"issued in the future":      p.Sign(with("iat", now.Add(2*time.Minute).Unix())),
		"no iat":                    p.Sign(with("iat", nil)),
		"several audiences, no azp": p.Sign(with("aud", []string{"jitgit", "other"})),
		"azp of another client":     p.Sign(good(map[string]any{"aud": []string{"jitgit", "other"}, "azp": "other"})),
		"nbf not a date":            p.Sign(with("nbf", "soon")),
		"garbage":                   "a.b.c",
	} {
		if _, err := verify(context.Background(), prov, c, raw); !errors.Is(err, errTokenRefused) {
			t.Errorf("%s: err = %v, want a refusal", name, err)
		}
	}
	if _, err := verify(context.Background(), prov, c, p.Sign(good(map[string]any{"aud": []string{"jitgit", "other"}, "azp": "jitgit"}))); err != nil {
		t.Errorf("several audiences with our azp refused: %v", err)
	}
	es := c
	es.algorithms = []string{"ES256"}
	if _, err := verify(context.Background(), prov, es, p.Sign(good(nil))); !errors.Is(err, errTokenRefused) {
		t.Errorf("RS256 token under an ES256-only allow-list: err = %v", err)
	}
}

func TestMatchClaimsExact(t *testing.T) {
	want := map[string]string{"repository": "acme/app", "ref": "refs/heads/main"}
	for _, tc := range []struct {
		claims map[string]any
		ok     bool
	}{
		{map[string]any{"repository": "acme/app", "ref": "refs/heads/main", "extra": "x"}, true},
		{map[string]any{"repository": "Acme/App", "ref": "refs/heads/main"}, false},
		{map[string]any{"repository": "acme/app-fork", "ref": "refs/heads/main"}, false},
		{map[string]any{"repository": "acme/app", "ref": "refs/heads/main2"}, false},
		{map[string]any{"repository": "acme/app"}, false},
		{map[string]any{"repository": []any{"acme/app"}, "ref": "refs/heads/main"}, false},
	} {
		if ok, _ := matchClaims(tc.claims, want); ok != tc.ok {
			t.Errorf("%v: match = %v, want %v", tc.claims, ok, tc.ok)
		}
	}
}

// TestVerifyFollowsKeyRotation: after the provider rotates its key, tokens
// signed with the new key verify (the key set is fetched again for the
// unknown key id) and tokens of the retired key do not.
func TestVerifyFollowsKeyRotation(t *testing.T) {
	p := ssotest.Start(t, "jitgit", "client-secret")
	prov, err := newProviders(nil).get(context.Background(), p.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	c := checks{issuer: p.Issuer, audience: "jitgit", algorithms: []string{"RS256"}, skew: 30 * time.Second, now: time.Now}
	old := p.Sign(p.Claims("sub-1", "jitgit", 5*time.Minute, nil))
	if _, err := verify(context.Background(), prov, c, old); err != nil {
		t.Fatalf("before rotation: %v", err)
	}
	p.RotateKey()
	if _, err := verify(context.Background(), prov, c, p.Sign(p.Claims("sub-1", "jitgit", 5*time.Minute, nil))); err != nil {
		t.Fatalf("token of the new key: %v", err)
	}
	// go-oidc replaces its cached keys just after it hands the fetched
	// ones to the waiting verification, so for a moment the retired key
	// may still be cached: poll, within a bound, for the refusal.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := verify(context.Background(), prov, c, old)
		if errors.Is(err, errTokenRefused) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token of the retired key: %v", err)
		}
	}
}
