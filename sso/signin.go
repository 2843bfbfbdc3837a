package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"golang.org/x/oauth2"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/service"
)

// SignIn runs the authorization code flow with one provider for the web
// pages. It keeps the sign-ins under way in memory: a restart asks the
// people in the middle of one to start again.
type SignIn struct {
	cfg       Config
	svc       *service.Service
	now       func() time.Time
	providers *providers
	pending   *pendingLogins
}

// NewSignIn checks cfg and returns the sign-in; it does not reach the
// provider, which is discovered on the first sign-in. client makes every
// call to the provider (nil: one with a 10 second timeout).
func NewSignIn(cfg Config, svc *service.Service, client *http.Client, now func() time.Time) (*SignIn, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	return &SignIn{cfg: cfg, svc: svc, now: now, providers: newProviders(client), pending: newPendingLogins(now)}, nil
}

// Name is the provider's name for the button.
func (s *SignIn) Name() string { return s.cfg.Name }

// Issuer is the provider's issuer URL, for the audit trail.
func (s *SignIn) Issuer() string { return s.cfg.Issuer }

// StepUpMaxAge is how recent a sign-in must be to approve a request (0:
// any).
func (s *SignIn) StepUpMaxAge() time.Duration { return s.cfg.StepUpMaxAge }

func (s *SignIn) oauth(ctx context.Context) (*oauth2.Config, error) {
	p, err := s.providers.get(ctx, s.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	return &oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.cfg.RedirectURL, Scopes: s.cfg.Scopes}, nil
}

// Start begins a sign-in that returns to next. It returns the provider's
// URL to send the browser to and a secret the browser must keep (in a
// cookie) and show again at the callback, so that a sign-in started in one
// browser cannot be finished in another. maxAge > 0 asks the provider to
// authenticate the user again unless it did so within maxAge. client is
// the browser's address: each may have a bounded number of sign-ins under
// way.
func (s *SignIn) Start(ctx context.Context, next, client string, maxAge time.Duration) (authURL, binding string, err error) {
	oc, err := s.oauth(ctx)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier := secret.NewSecret(32), secret.NewSecret(32), oauth2.GenerateVerifier()
	binding = secret.NewSecret(32)
	p := pending{binding: secret.HashSecret(binding), nonce: nonce, verifier: verifier, next: next, maxAge: maxAge, client: client}
	if err := s.pending.put(state, p); err != nil {
		return "", "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)}
	if maxAge > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("max_age", fmt.Sprint(int(maxAge/time.Second))))
	}
	return oc.AuthCodeURL(state, opts...), binding, nil
}

// Result is a finished sign-in: the new session's secret for the cookie,
// the session, and where to go next.
type Result struct {
	Secret  string
	Session auth.Session
	Next    string
}

// ErrSignIn wraps every refusal of a sign-in; its message says what the
// user can do.
var ErrSignIn = fmt.Errorf("%w: sign-in refused", auth.ErrUnauthenticated)

// Finish completes the sign-in the provider sent the browser back from
// with state and code: the state must be one this server handed out to
// this browser (binding) and not used before; the code is exchanged with
// the PKCE verifier; the ID token must pass every check and carry the
// nonce; then the claims map to a user and the service opens a session.
func (s *SignIn) Finish(ctx context.Context, binding, state, code, remote string) (Result, error) {
	in, next, err := s.check(ctx, binding, state, code)
	if err != nil {
		if rerr := s.svc.RefusedSignIn(ctx, s.cfg.Issuer, in.User, remote, err.Error()); rerr != nil {
			return Result{}, errors.Join(err, rerr)
		}
		return Result{}, err
	}
	in.Remote = remote
	plain, sess, err := s.svc.SignInExternal(ctx, in)
	if err != nil {
		return Result{}, err
	}
	return Result{Secret: plain, Session: sess, Next: next}, nil
}

// check runs every check of the callback and maps the claims; the user
// name is set as far as it is known, for the record of a refusal.
func (s *SignIn) check(ctx context.Context, binding, state, code string) (service.ExternalSignIn, string, error) {
	p, ok := s.pending.take(state)
	if !ok || !sameString(secret.HashSecret(binding), p.binding) {
		return service.ExternalSignIn{}, "", fmt.Errorf("%w: this sign-in expired, was already used, or was started in another browser; sign in again", ErrSignIn)
	}
	oc, err := s.oauth(ctx)
	if err != nil {
		return service.ExternalSignIn{}, "", err
	}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, s.providers.client), 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, code, oauth2.VerifierOption(p.verifier))
	if err != nil {
		return service.ExternalSignIn{}, "", fmt.Errorf("%w: the identity provider did not accept the sign-in code (%v); sign in again", ErrSignIn, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return service.ExternalSignIn{}, "", fmt.Errorf("%w: the identity provider sent no ID token; is the openid scope allowed for this client?", ErrSignIn)
	}
	prov, err := s.providers.get(ctx, s.cfg.Issuer)
	if err != nil {
		return service.ExternalSignIn{}, "", err
	}
	v, err := verify(ctx, prov, checks{issuer: s.cfg.Issuer, audience: s.cfg.ClientID, algorithms: s.cfg.Algorithms, skew: s.cfg.ClockSkew, now: s.now}, raw)
	if err != nil {
		return service.ExternalSignIn{}, "", fmt.Errorf("%w: %v", ErrSignIn, err)
	}
	if !sameString(v.token.Nonce, p.nonce) {
		return service.ExternalSignIn{}, "", fmt.Errorf("%w: %v: the nonce does not match; sign in again", ErrSignIn, errTokenRefused)
	}
	if p.maxAge > 0 && (v.authTime.IsZero() || s.now().Sub(v.authTime) > p.maxAge+s.cfg.ClockSkew) {
		return service.ExternalSignIn{}, "", fmt.Errorf("%w: approving needs a sign-in within the last %s, and the identity provider did not authenticate you again", ErrSignIn, auth.FormatDuration(p.maxAge))
	}
	in, err := s.identity(v)
	return in, p.next, err
}

// identity maps verified claims to the sign-in the service is asked for.
func (s *SignIn) identity(v verified) (service.ExternalSignIn, error) {
	name, err := userName(v.claims, s.cfg.UsernameClaim, s.cfg.LowercaseUsernames)
	if err != nil {
		return service.ExternalSignIn{}, fmt.Errorf("%w: %v; the provider must send the %s claim", ErrSignIn, err, s.cfg.UsernameClaim)
	}
	in := service.ExternalSignIn{User: name, Create: s.cfg.CreateUsers, Provider: s.cfg.Issuer, AuthTime: v.authTime}
	if s.cfg.GroupsClaim == "" {
		return in, s.admitted(nil)
	}
	claimed, err := claimStrings(v.claims, s.cfg.GroupsClaim)
	if err != nil {
		return in, fmt.Errorf("%w: %v", ErrSignIn, err)
	}
	if err := s.admitted(claimed); err != nil {
		return in, err
	}
	// A provider's group that is no valid jitgit group name ("/sre" from
	// Keycloak's full paths, an Entra object id with capitals) is left
	// out rather than rewritten: no grant can name it anyway.
	in.SyncGroups = true
	for _, g := range claimed {
		if auth.ValidateUserName(g) == nil {
			in.Groups = append(in.Groups, g)
		}
	}
	return in, nil
}

// admitted checks allowed_groups against the groups as claimed.
func (s *SignIn) admitted(groups []string) error {
	if len(s.cfg.AllowedGroups) == 0 {
		return nil
	}
	for _, g := range s.cfg.AllowedGroups {
		if slices.Contains(groups, g) {
			return nil
		}
	}
	return fmt.Errorf("%w: %w: your account is in none of the groups allowed to sign in here; ask an administrator", ErrSignIn, auth.ErrForbidden)
}
