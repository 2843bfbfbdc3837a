package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/sso"
)

// oidcFile is the [oidc] section: sign-in through an identity provider.
type oidcFile struct {
	Name               string   `toml:"name"`
	Issuer             string   `toml:"issuer"`
	ClientID           string   `toml:"client_id"`
	ClientSecretFile   string   `toml:"client_secret_file"`
	ClientSecretEnv    string   `toml:"client_secret_env"`
	Scopes             []string `toml:"scopes"`
	UsernameClaim      string   `toml:"username_claim"`
	LowercaseUsernames bool     `toml:"lowercase_usernames"`
	GroupsClaim        string   `toml:"groups_claim"`
	AllowedGroups      []string `toml:"allowed_groups"`
	CreateUsers        bool     `toml:"create_users"`
	PasswordSignIn     *bool    `toml:"password_signin"`
	Algorithms         []string `toml:"algorithms"`
	ClockSkew          string   `toml:"clock_skew"`
	StepUpMaxAge       string   `toml:"step_up_max_age"`
}

// tokensFile is the [tokens] section: personal token lifetimes.
type tokensFile struct {
	DefaultLifetime string `toml:"default_lifetime"`
	MaxLifetime     string `toml:"max_lifetime"`
	AllowNever      bool   `toml:"allow_never"`
}

// trustFile is one [[trust]] rule for CI identity tokens.
type trustFile struct {
	ID          string            `toml:"id"`
	Issuer      string            `toml:"issuer"`
	Audience    string            `toml:"audience"`
	Claims      map[string]string `toml:"claims"`
	User        string            `toml:"user"`
	MaxLifetime string            `toml:"max_lifetime"`
	While       string            `toml:"while"`
}

// applySSO reads [oidc], [tokens] and [[trust]] into cfg. The redirect URL
// is set when the public URL is known (ssoConfig).
func (f *fileConfig) applySSO(cfg *Config) error {
	dur := func(key, v string, max time.Duration, dst *time.Duration) error {
		if v == "" {
			return nil
		}
		d, err := auth.ParseDuration(v, max)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*dst = d
		return nil
	}
	t := f.Tokens
	if err := errors.Join(
		dur("tokens.default_lifetime", t.DefaultLifetime, service.MaxTokenLifetime, &cfg.Auth.TokenDefault),
		dur("tokens.max_lifetime", t.MaxLifetime, service.MaxTokenLifetime, &cfg.Auth.TokenMax),
	); err != nil {
		return err
	}
	cfg.Auth.TokenNever = t.AllowNever
	if cfg.Auth.TokenDefault > cfg.Auth.TokenMax {
		return fmt.Errorf("tokens.default_lifetime (%s) is longer than tokens.max_lifetime (%s)", auth.FormatDuration(cfg.Auth.TokenDefault), auth.FormatDuration(cfg.Auth.TokenMax))
	}
	o := f.OIDC
	if o.Issuer != "" {
		c := &sso.Config{Name: o.Name, Issuer: o.Issuer, ClientID: o.ClientID, Scopes: o.Scopes, UsernameClaim: o.UsernameClaim,
			LowercaseUsernames: o.LowercaseUsernames, GroupsClaim: o.GroupsClaim, AllowedGroups: o.AllowedGroups,
			CreateUsers: o.CreateUsers, Algorithms: o.Algorithms}
		if err := errors.Join(
			dur("oidc.clock_skew", o.ClockSkew, sso.MaxClockSkew, &c.ClockSkew),
			dur("oidc.step_up_max_age", o.StepUpMaxAge, 24*time.Hour, &c.StepUpMaxAge),
		); err != nil {
			return err
		}
		switch {
		case o.ClientSecretFile != "" && o.ClientSecretEnv != "":
			return errors.New("oidc: set client_secret_file or client_secret_env, not both")
		case o.ClientSecretFile != "":
			b, err := os.ReadFile(o.ClientSecretFile)
			if err != nil {
				return fmt.Errorf("oidc.client_secret_file: %w", err)
			}
			c.ClientSecret = strings.TrimSpace(string(b))
		case o.ClientSecretEnv != "":
			c.ClientSecret = os.Getenv(o.ClientSecretEnv)
			if c.ClientSecret == "" {
				return fmt.Errorf("oidc.client_secret_env: $%s is empty or not set", o.ClientSecretEnv)
			}
		default:
			return errors.New("oidc: set client_secret_file (a file holding the client secret) or client_secret_env")
		}
		// Checked now with a stand-in redirect URL, so a bad key stops the
		// start before anything listens; the real one is set in ssoConfig.
		probe := *c
		probe.RedirectURL = "http://localhost" + sso.CallbackPath
		if err := probe.Check(); err != nil {
			return err
		}
		cfg.SSO = c
	} else if o.ClientID != "" || o.ClientSecretFile != "" || o.ClientSecretEnv != "" || o.Name != "" {
		return errors.New("oidc: issuer is required to sign in through an identity provider (or remove the [oidc] section)")
	}
	if o.PasswordSignIn != nil {
		if !*o.PasswordSignIn && cfg.SSO == nil {
			return errors.New("oidc.password_signin = false needs an [oidc] issuer: nobody could sign in to the web pages")
		}
		cfg.Auth.NoPasswords = !*o.PasswordSignIn
	}
	if len(f.Trust) > 0 {
		w := &sso.WorkloadConfig{Algorithms: o.Algorithms}
		for i, r := range f.Trust {
			rule := sso.TrustRule{ID: r.ID, Issuer: r.Issuer, Audience: r.Audience, Claims: r.Claims, User: r.User, While: r.While}
			if err := dur(fmt.Sprintf("trust %d (%s): max_lifetime", i+1, r.ID), r.MaxLifetime, sso.MaxWorkloadTTL, &rule.MaxLifetime); err != nil {
				return err
			}
			w.Rules = append(w.Rules, rule)
		}
		if err := dur("oidc.clock_skew", o.ClockSkew, sso.MaxClockSkew, &w.ClockSkew); err != nil {
			return err
		}
		if err := w.Check(); err != nil {
			return err
		}
		cfg.Workloads = w
	}
	return nil
}

// newSSO makes the sign-in and the token exchange the configuration asks
// for; either may be nil. The provider is reached only on first use.
func newSSO(cfg Config, svc *service.Service, now func() time.Time) (*sso.SignIn, *sso.Workloads, error) {
	var signIn *sso.SignIn
	var workloads *sso.Workloads
	var err error
	if cfg.SSO != nil {
		c := *cfg.SSO
		c.RedirectURL = cfg.PublicURL + sso.CallbackPath
		if signIn, err = sso.NewSignIn(c, svc, nil, now); err != nil {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
	}
	if cfg.Workloads != nil {
		if workloads, err = sso.NewWorkloads(*cfg.Workloads, svc, nil, now); err != nil {
			return nil, nil, fmt.Errorf("config: %w", err)
		}
	}
	return signIn, workloads, nil
}
