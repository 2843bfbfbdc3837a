// Package ssotest runs a real OpenID Connect provider inside a test
// process: github.com/zitadel/oidc's op package (the protocol: discovery,
// authorization with PKCE, the token endpoint, signed ID tokens, the key
// set) over a small in-memory store and a plain login form. Tests sign in
// through it as a browser would, and it mints the identity tokens a CI
// platform would issue, signed with the key its key set serves.
package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is an account at the provider.
type User struct {
	Name     string // preferred_username
	Password string
	Groups   []string
	// Subject is the sub claim ("sub-" + Name when empty).
	Subject string
}

func (u User) subject() string {
	if u.Subject != "" {
		return u.Subject
	}
	return "sub-" + u.Name
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is the provider's issuer URL (http://127.0.0.1:PORT).
	Issuer       string
	ClientID     string
	ClientSecret string
	srv          *httptest.Server
	store        *store
}

// SetClock makes now the provider's clock for auth_time, the instant a
// user signs in at the form; iat and exp stay the real time's, as the op
// package sets them. A test that moves the relying party's clock moves
// this one with it.
func (p *Provider) SetClock(now func() time.Time) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.now = now
}

// Start runs a provider with one confidential web client until t ends.
// The client's redirect URIs are added with AllowRedirect.
func Start(t testing.TB, clientID, clientSecret string, users ...User) *Provider {
	t.Helper()
	p, err := New(clientID, clientSecret, users...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// New runs a provider until Close, for callers without a testing.TB.
func New(clientID, clientSecret string, users ...User) (*Provider, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	st := &store{
		key:      key,
		keyID:    "key-1",
		client:   &client{id: clientID, secret: clientSecret},
		users:    map[string]User{},
		requests: map[string]*authRequest{},
		codes:    map[string]string{},
		now:      time.Now,
	}
	for _, u := range users {
		st.users[u.Name] = u
	}
	var handler http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	issuer := "http://" + srv.Listener.Addr().String()
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                sha256.Sum256([]byte(clientSecret)),
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		DefaultLogoutRedirectURI: "/",
		SupportedUILocales:       []language.Tag{language.English},
	}, st, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		srv.Listener.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	callback := op.AuthCallbackURL(provider)
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	mux.HandleFunc("GET /login", st.loginForm)
	mux.Handle("POST /login", interceptor.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.login(w, r, callback)
	}))
	mux.Handle("/", provider)
	handler = mux
	srv.Start()
	return &Provider{Issuer: issuer, ClientID: clientID, ClientSecret: clientSecret, srv: srv, store: st}, nil
}

// SetNonce makes the provider put nonce into every ID token instead of the
// one the client sent (empty: the client's again), as a replayed or
// injected token would carry.
func (p *Provider) SetNonce(nonce string) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.nonce = nonce
}

// Close stops the provider.
func (p *Provider) Close() { p.srv.Close() }

// AllowRedirect registers a redirect URI of the client.
func (p *Provider) AllowRedirect(uri string) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.client.redirects = append(p.store.client.redirects, uri)
}

// SetUser adds or changes an account; its groups are what the next sign-in
// claims.
func (p *Provider) SetUser(u User) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.users[u.Name] = u
}

// Sign returns a JWT of claims signed with the provider's current key, as
// its key set publishes it: what a CI platform's token service issues.
func (p *Provider) Sign(claims map[string]any) string {
	p.store.mu.Lock()
	key, kid := p.store.key, p.store.keyID
	p.store.mu.Unlock()
	return sign(key, kid, claims)
}

// RotateKey replaces the provider's signing key with a new one under a new
// key id; the key set then publishes only the new key.
func (p *Provider) RotateKey() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.rotations++
	p.store.key, p.store.keyID = key, fmt.Sprintf("key-%d", p.store.rotations+1)
}

// SignWithOtherKey signs claims with a key the provider never published,
// under the provider's key id: a forgery.
func (p *Provider) SignWithOtherKey(claims map[string]any) string {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	p.store.mu.Lock()
	kid := p.store.keyID
	p.store.mu.Unlock()
	return sign(key, kid, claims)
}

// Claims returns the claims of an identity token of this provider for
// audience, issued now and living ttl, plus extra.
func (p *Provider) Claims(subject, audience string, ttl time.Duration, extra map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": p.Issuer, "sub": subject, "aud": audience, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix()}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func sign(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		panic(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		panic(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		panic(err)
	}
	return s
}

// loginPage is the provider's own sign-in form.
var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Test provider sign-in</title></head><body>
<h1>Test provider</h1>
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label>User <input id="username" name="username"></label>
<label>Password <input id="password" name="password" type="password"></label>
<button id="submit" type="submit">Sign in</button>
</form></body></html>`))

func (s *store) loginForm(w http.ResponseWriter, r *http.Request) {
	_ = loginPage.Execute(w, struct{ ID, Error string }{r.URL.Query().Get("authRequestID"), ""})
}

func (s *store) login(w http.ResponseWriter, r *http.Request, callback func(context.Context, string) string) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, name := r.PostForm.Get("id"), r.PostForm.Get("username")
	s.mu.Lock()
	u, ok := s.users[name]
	req := s.requests[id]
	good := ok && req != nil && u.Password == r.PostForm.Get("password")
	if good {
		req.subject, req.user, req.done, req.authTime = u.subject(), u.Name, true, s.now()
	}
	s.mu.Unlock()
	if !good {
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginPage.Execute(w, struct{ ID, Error string }{id, "wrong user or password"})
		return
	}
	http.Redirect(w, r, callback(r.Context(), id), http.StatusFound)
}

// store is the provider's state: one client, its users, the sign-ins
// under way.
type store struct {
	mu        sync.Mutex
	key       *rsa.PrivateKey
	keyID     string
	client    *client
	users     map[string]User
	requests  map[string]*authRequest
	codes     map[string]string
	next      int
	now       func() time.Time
	nonce     string // replaces the client's nonce when set
	rotations int
}

var errNotFound = errors.New("not found")

func (s *store) CreateAuthRequest(_ context.Context, ar *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	nonce := ar.Nonce
	if s.nonce != "" {
		nonce = s.nonce
	}
	req := &authRequest{id: fmt.Sprintf("ar%d", s.next), clientID: ar.ClientID, redirect: ar.RedirectURI, state: ar.State,
		nonce: nonce, scopes: ar.Scopes, responseType: ar.ResponseType, responseMode: ar.ResponseMode}
	if ar.CodeChallenge != "" {
		req.challenge = &oidc.CodeChallenge{Challenge: ar.CodeChallenge, Method: ar.CodeChallengeMethod}
	}
	s.requests[req.id] = req
	return req, nil
}

func (s *store) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.requests[id]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *store) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *store) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

func (s *store) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

func (s *store) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return fmt.Sprintf("at%d", s.next), time.Now().Add(5 * time.Minute), nil
}

func (s *store) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("no refresh tokens here")
}

func (s *store) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errors.New("no refresh tokens here")
}

func (s *store) TerminateSession(context.Context, string, string) error { return nil }

func (s *store) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *store) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *store) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return signingKey{id: s.keyID, key: s.key}, nil
}

func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *store) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []op.Key{publicKey{id: s.keyID, key: &s.key.PublicKey}}, nil
}

func (s *store) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.client.id {
		return nil, errNotFound
	}
	c := *s.client
	c.redirects = slices.Clone(c.redirects)
	return &c, nil
}

func (s *store) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.client.id || secret != s.client.secret {
		return errors.New("wrong client or secret")
	}
	return nil
}

func (s *store) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest puts the user's name and groups into the ID token.
func (s *store) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, _ []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.subject() == req.GetSubject() {
			info.Subject = u.subject()
			info.PreferredUsername = u.Name
			info.AppendClaims("groups", slices.Clone(u.Groups))
			return nil
		}
	}
	return errNotFound
}

func (s *store) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotFound
}

func (s *store) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotFound
}

func (s *store) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *store) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}

func (s *store) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotFound
}

func (s *store) Health(context.Context) error { return nil }

// authRequest is one sign-in under way at the provider.
type authRequest struct {
	id, clientID, redirect, state, nonce string
	scopes                               []string
	responseType                         oidc.ResponseType
	responseMode                         oidc.ResponseMode
	challenge                            *oidc.CodeChallenge
	subject, user                        string
	done                                 bool
	authTime                             time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirect }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

// client is the relying party: a confidential web application.
type client struct {
	id, secret string
	redirects  []string
}

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirects }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string            { return "/login?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return time.Hour }
func (c *client) DevMode() bool                        { return true }
func (c *client) IsScopeAllowed(scope string) bool     { return scope == "groups" }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct {
	id  string
	key *rsa.PublicKey
}

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key }
