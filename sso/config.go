// Package sso signs people in to the web pages through an OpenID Connect
// provider (authorization code flow with PKCE, state and nonce), and
// exchanges the identity tokens CI platforms issue for short-lived jitgit
// tokens under configured trust rules. Every ID token is verified by
// github.com/coreos/go-oidc against the issuer's current keys; this package
// adds the checks that library leaves to its callers (nonce, azp, nbf and
// iat with a bounded clock skew, auth_time for step-up) and maps verified
// claims to jitgit users exactly.
package sso

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Config is the [oidc] section: the provider people sign in with.
type Config struct {
	// Name is shown on the button: "Sign in with <Name>".
	Name string
	// Issuer is the provider's issuer URL, as its discovery document
	// states it.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is where the provider sends the browser back to:
	// <public URL>/signin/oidc/callback.
	RedirectURL string
	// Scopes asked for; "openid" is always among them.
	Scopes []string
	// UsernameClaim names the claim that is the jitgit user name
	// (preferred_username); it must be a string and a valid user name,
	// taken as is unless LowercaseUsernames says to lower it.
	UsernameClaim      string
	LowercaseUsernames bool
	// GroupsClaim names the claim of the user's groups (a list of
	// strings); empty leaves jitgit groups alone.
	GroupsClaim string
	// AllowedGroups, when set, admits only users in at least one of them.
	AllowedGroups []string
	// CreateUsers makes an unknown user on first sign-in.
	CreateUsers bool
	// Algorithms is the allow-list of signature algorithms (RS256, ES256).
	Algorithms []string
	// ClockSkew is how far the provider's clock may be off (30s, at most
	// 5m).
	ClockSkew time.Duration
	// StepUpMaxAge, when set, asks for a sign-in at the provider no older
	// than this before a request is approved in the web pages.
	StepUpMaxAge time.Duration
}

// Defaults and bounds.
const (
	DefaultClockSkew   = 30 * time.Second
	MaxClockSkew       = 5 * time.Minute
	DefaultWorkloadTTL = 15 * time.Minute
	MaxWorkloadTTL     = 24 * time.Hour
	// CallbackPath is where the provider sends the browser back to.
	CallbackPath = "/signin/oidc/callback"
)

// supportedAlgorithms are the signature algorithms an allow-list may name:
// asymmetric ones only, so a client secret can never sign an ID token.
var supportedAlgorithms = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

// Check validates c and fills its defaults.
func (c *Config) Check() error {
	var errs []error
	if !strings.HasPrefix(c.Issuer, "https://") && !strings.HasPrefix(c.Issuer, "http://") {
		errs = append(errs, fmt.Errorf("oidc.issuer %q: use the provider's https:// issuer URL", c.Issuer))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("oidc.client_id is required"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("oidc: the client secret is empty; set client_secret_file or client_secret_env"))
	}
	if c.RedirectURL == "" {
		errs = append(errs, errors.New("oidc: the redirect URL is empty; set public_url"))
	}
	if c.Name == "" {
		c.Name = "single sign-on"
	}
	if c.UsernameClaim == "" {
		c.UsernameClaim = "preferred_username"
	}
	if !slices.Contains(c.Scopes, "openid") {
		c.Scopes = append([]string{"openid"}, c.Scopes...)
	}
	if len(c.Scopes) == 1 {
		c.Scopes = append(c.Scopes, "profile", "email")
	}
	var err error
	if c.Algorithms, err = checkAlgorithms("oidc.algorithms", c.Algorithms); err != nil {
		errs = append(errs, err)
	}
	if c.ClockSkew, err = checkSkew("oidc.clock_skew", c.ClockSkew); err != nil {
		errs = append(errs, err)
	}
	if c.StepUpMaxAge < 0 {
		errs = append(errs, errors.New("oidc.step_up_max_age must be positive"))
	}
	return errors.Join(errs...)
}

func checkAlgorithms(key string, algs []string) ([]string, error) {
	if len(algs) == 0 {
		return []string{"RS256", "ES256"}, nil
	}
	for _, a := range algs {
		if !slices.Contains(supportedAlgorithms, a) {
			return nil, fmt.Errorf("%s: %q is not allowed; use some of %s", key, a, strings.Join(supportedAlgorithms, ", "))
		}
	}
	return algs, nil
}

func checkSkew(key string, d time.Duration) (time.Duration, error) {
	switch {
	case d == 0:
		return DefaultClockSkew, nil
	case d < 0 || d > MaxClockSkew:
		return 0, fmt.Errorf("%s must be between 0 and %s", key, MaxClockSkew)
	}
	return d, nil
}

// TrustRule maps a CI platform's identity token to a jitgit machine user:
// a token of Issuer for Audience whose claims equal Claims (every one,
// exactly) gets a token of User.
type TrustRule struct {
	ID       string
	Issuer   string
	Audience string
	Claims   map[string]string
	User     string
	// MaxLifetime bounds the jitgit token (15m); it never outlives the
	// identity token either.
	MaxLifetime time.Duration
	// While is "grant" or "request" when the exchange must name a grant
	// or request of User that runs, and the token ends with it.
	While string
}

// WorkloadConfig is the set of trust rules and what applies to them all.
type WorkloadConfig struct {
	Rules      []TrustRule
	Algorithms []string
	ClockSkew  time.Duration
}

// Check validates the rules and fills their defaults.
func (c *WorkloadConfig) Check() error {
	var errs []error
	var err error
	if c.Algorithms, err = checkAlgorithms("workload algorithms", c.Algorithms); err != nil {
		errs = append(errs, err)
	}
	if c.ClockSkew, err = checkSkew("workload clock skew", c.ClockSkew); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		at := fmt.Sprintf("trust %d (%s)", i+1, r.ID)
		switch {
		case r.ID == "":
			errs = append(errs, fmt.Errorf("trust %d: id is required", i+1))
		case seen[r.ID]:
			errs = append(errs, fmt.Errorf("%s: id is used twice; give each rule its own", at))
		}
		seen[r.ID] = true
		if !strings.HasPrefix(r.Issuer, "https://") && !strings.HasPrefix(r.Issuer, "http://") {
			errs = append(errs, fmt.Errorf("%s: issuer %q: use the platform's https:// issuer URL", at, r.Issuer))
		}
		if r.Audience == "" {
			errs = append(errs, fmt.Errorf("%s: audience is required (the audience the CI job asks its token for)", at))
		}
		if len(r.Claims) == 0 {
			errs = append(errs, fmt.Errorf("%s: claims are required: a rule without any admits every job of the platform", at))
		}
		for k, v := range r.Claims {
			if k == "" || v == "" {
				errs = append(errs, fmt.Errorf("%s: claims: names and values must not be empty", at))
			}
		}
		if r.User == "" {
			errs = append(errs, fmt.Errorf("%s: user is required", at))
		}
		switch {
		case r.MaxLifetime == 0:
			r.MaxLifetime = DefaultWorkloadTTL
		case r.MaxLifetime < 0 || r.MaxLifetime > MaxWorkloadTTL:
			errs = append(errs, fmt.Errorf("%s: max_lifetime must be between 0 and %s", at, MaxWorkloadTTL))
		}
		if r.While != "" && r.While != "grant" && r.While != "request" {
			errs = append(errs, fmt.Errorf("%s: while %q: use \"grant\", \"request\" or leave it out", at, r.While))
		}
	}
	return errors.Join(errs...)
}

// newHTTPClient bounds every call to a provider.
func newHTTPClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 10 * time.Second}
}
