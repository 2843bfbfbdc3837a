package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
	"github.com/jitgit/jitgit/sso"
	"github.com/jitgit/jitgit/sso/ssotest"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// ssoStack is the web handler with sign-in through a real provider and a
// trust rule for CI tokens, on a test clock.
type ssoStack struct {
	t     *testing.T
	svc   *service.Service
	trail *audit.Log
	db    *badgerstore.DB
	clock *servicetest.Clock
	idp   *ssotest.Provider
	srv   *httptest.Server
}

const ciAudience = "https://jitgit.test"

func newSSOStack(t *testing.T, tune func(*sso.Config, *service.Config), rules ...sso.TrustRule) *ssoStack {
	t.Helper()
	idp := ssotest.Start(t, "jitgit", "client-secret-1")
	clock := &servicetest.Clock{}
	clock.Set(time.Now())
	idp.SetClock(clock.Now)
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	trail := audit.NewLog(db.Events(), clock.Now)
	scfg := servicetest.Config()
	cfg := sso.Config{Name: "Test IdP", Issuer: idp.Issuer, ClientID: "jitgit", ClientSecret: "client-secret-1",
		Scopes: []string{"openid", "groups"}, GroupsClaim: "groups", CreateUsers: true}
	if tune != nil {
		tune(&cfg, &scfg)
	}
	svc := service.New(db, dirRepos{t.TempDir()}, trail, scfg, clock.Now)
	srv := httptest.NewUnstartedServer(nil)
	cfg.RedirectURL = "http://" + srv.Listener.Addr().String() + sso.CallbackPath
	idp.AllowRedirect(cfg.RedirectURL)
	signIn, err := sso.NewSignIn(cfg, svc, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rules {
		if rules[i].Issuer == "" {
			rules[i].Issuer = idp.Issuer
		}
	}
	if len(rules) == 0 {
		rules = []sso.TrustRule{{ID: "deploy", Issuer: idp.Issuer, Audience: ciAudience, User: "ci-deploy",
			Claims: map[string]string{"repository": "acme/app", "ref": "refs/heads/main"}}}
	}
	workloads, err := sso.NewWorkloads(sso.WorkloadConfig{Rules: rules}, svc, nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = New(Options{Service: svc, PublicURL: "http://" + srv.Listener.Addr().String(), SSO: signIn, Workloads: workloads, Now: clock.Now})
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		trail.Close()
		_ = db.Close()
	})
	return &ssoStack{t: t, svc: svc, trail: trail, db: db, clock: clock, idp: idp, srv: srv}
}

// browser is an HTTP client with its own cookies.
func browser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

var authRequestID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn goes through the whole code flow in c: jitgit sends the browser to
// the provider, the user fills in the provider's form, the provider sends
// it back. It returns the last page jitgit answered with.
func (s *ssoStack) signIn(c *http.Client, user, password, next string) (int, string) {
	s.t.Helper()
	resp, err := c.Get(s.srv.URL + "/signin/oidc?next=" + url.QueryEscape(next))
	if err != nil {
		s.t.Fatal(err)
	}
	page := readAll(s.t, resp)
	m := authRequestID.FindStringSubmatch(page)
	if m == nil || !strings.HasPrefix(resp.Request.URL.String(), s.idp.Issuer) {
		s.t.Fatalf("not at the provider's form: %s %d\n%s", resp.Request.URL, resp.StatusCode, page)
	}
	return s.submitLogin(c, m[1], user, password)
}

func (s *ssoStack) submitLogin(c *http.Client, id, user, password string) (int, string) {
	s.t.Helper()
	resp, err := c.PostForm(s.idp.Issuer+"/login", url.Values{"id": {id}, "username": {user}, "password": {password}})
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, readAll(s.t, resp)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (s *ssoStack) events(action string) []audit.Event {
	s.t.Helper()
	evs, err := s.svc.Events(context.Background(), socket, service.EventFilter{Action: action})
	if err != nil {
		s.t.Fatal(err)
	}
	return evs
}

func (s *ssoStack) userGroups(name string) []string {
	s.t.Helper()
	u, err := s.svc.User(context.Background(), socket, name)
	if err != nil {
		s.t.Fatal(err)
	}
	return u.Groups
}

// TestSSOSignInGroupsGrantAccess: the first sign-in creates the user with
// the claimed groups (a name no grant could use is left out), a group grant
// then lets the user read, and the next sign-in replaces the groups with
// what the provider says now, on the record; each sign-in is a new session.
func TestSSOSignInGroupsGrantAccess(t *testing.T) {
	s := newSSOStack(t, nil)
	ctx := context.Background()
	s.idp.SetUser(ssotest.User{Name: "alice", Password: "pw-alice", Groups: []string{"payments", "/Bad Group"}})
	if _, err := s.svc.CreateRepo(ctx, socket, "acme/pay", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: auth.GroupPrincipal("payments"), Repo: "acme/pay", Level: auth.LevelRead, Duration: time.Hour, Reason: "team access"}); err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	status, page := s.signIn(c, "alice", "pw-alice", "/settings")
	if status != http.StatusOK || !strings.Contains(page, "Personal access tokens") {
		t.Fatalf("after sign-in: %d\n%s", status, page)
	}
	if g := s.userGroups("alice"); !slices.Equal(g, []string{"payments"}) {
		t.Fatalf("groups after first sign-in: %v", g)
	}
	first := sessionOf(t, c, s.srv.URL)
	who, err := s.svc.IdentityOf(ctx, "alice", auth.MethodToken)
	if err != nil {
		t.Fatal(err)
	}
	if d := s.svc.Authorize(ctx, who, "acme/pay", auth.Action{Level: auth.LevelRead}); !d.Allowed {
		t.Fatalf("group grant does not admit the SSO user: %s", d.Reason)
	}
	if evs := s.events("user.create"); len(evs) != 1 || !strings.Contains(evs[0].Detail, "groups=payments") {
		t.Fatalf("user.create events: %+v", evs)
	}

	s.idp.SetUser(ssotest.User{Name: "alice", Password: "pw-alice", Groups: []string{"sre"}})
	if status, page := s.signIn(c, "alice", "pw-alice", "/"); status != http.StatusOK {
		t.Fatalf("second sign-in: %d\n%s", status, page)
	}
	if g := s.userGroups("alice"); !slices.Equal(g, []string{"sre"}) {
		t.Fatalf("groups after second sign-in: %v", g)
	}
	if evs := s.events("user.update"); len(evs) != 1 || !strings.Contains(evs[0].Detail, "groups=sre (were payments)") {
		t.Fatalf("user.update events: %+v", evs)
	}
	if second := sessionOf(t, c, s.srv.URL); second == "" || second == first {
		t.Fatalf("the session id did not change at sign-in")
	}
	if _, _, err := s.svc.SessionIdentity(ctx, first); err == nil {
		t.Fatalf("the old session still works after signing in again")
	}
	who, _ = s.svc.IdentityOf(ctx, "alice", auth.MethodToken)
	if d := s.svc.Authorize(ctx, who, "acme/pay", auth.Action{Level: auth.LevelRead}); d.Allowed {
		t.Fatalf("a group the provider no longer claims still grants access")
	}
	if evs := s.events("session.signin"); len(evs) != 2 || !strings.Contains(evs[0].Detail, "sso "+s.idp.Issuer) {
		t.Fatalf("session.signin events: %+v", evs)
	}
}

func sessionOf(t *testing.T, c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

// TestSSORefusals: an unknown user without create_users, a user outside
// allowed_groups, and a disabled user are refused (whatever the provider
// says), each on the record.
func TestSSORefusals(t *testing.T) {
	s := newSSOStack(t, func(c *sso.Config, _ *service.Config) {
		c.CreateUsers = false
		c.AllowedGroups = []string{"engineering"}
	})
	ctx := context.Background()
	for _, name := range []string{"carol", "dave"} {
		if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	tr := true
	if _, err := s.svc.UpdateUser(ctx, socket, "dave", service.UserChange{Disabled: &tr}); err != nil {
		t.Fatal(err)
	}
	s.idp.SetUser(ssotest.User{Name: "erin", Password: "pw", Groups: []string{"engineering"}})
	s.idp.SetUser(ssotest.User{Name: "carol", Password: "pw", Groups: []string{"sales"}})
	s.idp.SetUser(ssotest.User{Name: "dave", Password: "pw", Groups: []string{"engineering"}})
	for _, tc := range []struct {
		user, want string
		status     int
	}{
		{"erin", "no jitgit user", http.StatusUnauthorized},
		{"carol", "none of the groups allowed", http.StatusForbidden},
		{"dave", "is disabled here", http.StatusForbidden},
	} {
		status, page := s.signIn(browser(t), tc.user, "pw", "/")
		if status != tc.status || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", tc.user, status, tc.status, tc.want, regexp.MustCompile(`role="alert">[^<]*`).FindString(page))
		}
	}
	denied := 0
	for _, ev := range s.events("session.signin") {
		if ev.Result == "deny" {
			denied++
		}
	}
	if denied != 3 {
		t.Errorf("%d refused sign-ins on the record, want 3", denied)
	}
	if _, err := s.svc.User(ctx, socket, "erin"); err == nil {
		t.Errorf("erin was created without create_users")
	}
}

// TestSSOStateBoundToBrowser: a sign-in started in one browser cannot be
// finished in another (login CSRF), and a callback cannot be replayed.
func TestSSOStateBoundToBrowser(t *testing.T) {
	s := newSSOStack(t, nil)
	s.idp.SetUser(ssotest.User{Name: "alice", Password: "pw"})
	starter := browser(t)
	starter.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := starter.Get(s.srv.URL + "/signin/oidc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to := resp.Header.Get("Location")
	if !strings.HasPrefix(to, s.idp.Issuer) || !strings.Contains(to, "code_challenge_method=S256") || !strings.Contains(to, "nonce=") {
		t.Fatalf("start redirects to %q", to)
	}
	victim := browser(t)
	resp, err = victim.Get(to)
	if err != nil {
		t.Fatal(err)
	}
	m := authRequestID.FindStringSubmatch(readAll(t, resp))
	if m == nil {
		t.Fatal("no provider form")
	}
	status, page := s.submitLogin(victim, m[1], "alice", "pw")
	if status != http.StatusUnauthorized || !strings.Contains(page, "started in another browser") {
		t.Fatalf("finished in another browser: %d\n%s", status, page)
	}
	if sessionOf(t, victim, s.srv.URL) != "" {
		t.Fatal("the other browser got a session")
	}
}

// TestSSONonceChecked: an ID token whose nonce is not the one this
// sign-in sent is refused, on the record.
func TestSSONonceChecked(t *testing.T) {
	s := newSSOStack(t, nil)
	s.idp.SetUser(ssotest.User{Name: "alice", Password: "pw"})
	s.idp.SetNonce("a-nonce-from-another-sign-in")
	c := browser(t)
	if status, page := s.signIn(c, "alice", "pw", "/"); status != http.StatusUnauthorized || !strings.Contains(page, "nonce does not match") {
		t.Fatalf("wrong nonce: %d\n%s", status, page)
	}
	if sessionOf(t, c, s.srv.URL) != "" {
		t.Fatal("a session for a token with the wrong nonce")
	}
	if evs := s.events("session.signin"); len(evs) != 1 || evs[0].Result != "deny" {
		t.Fatalf("refusal not on the record: %+v", evs)
	}
	s.idp.SetNonce("")
	if status, _ := s.signIn(c, "alice", "pw", "/"); status != http.StatusOK {
		t.Fatalf("right nonce: %d", status)
	}
}

// TestSSOPasswordsOff: with password sign-in off the form is gone, a right
// password is refused on the page and for the API, and SSO still works.
func TestSSOPasswordsOff(t *testing.T) {
	s := newSSOStack(t, func(_ *sso.Config, c *service.Config) { c.NoPasswords = true })
	ctx := context.Background()
	if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: "alice", Password: "alice-password"}); err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	resp, err := c.Get(s.srv.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if strings.Contains(page, `name="password"`) || !strings.Contains(page, "Sign in with Test IdP") {
		t.Fatalf("sign-in page with passwords off:\n%s", page)
	}
	if _, err := s.svc.Authenticate(ctx, "alice", "alice-password"); err == nil {
		t.Fatal("a password authenticates with passwords off")
	}
	s.idp.SetUser(ssotest.User{Name: "alice", Password: "pw"})
	if status, page := s.signIn(c, "alice", "pw", "/settings"); status != http.StatusOK || strings.Contains(page, "Change password") {
		t.Fatalf("settings after SSO sign-in: %d\n%s", status, page)
	}
}

// TestSSOStepUpBeforeApproving: with step_up_max_age, an approver whose
// sign-in is older is sent to the provider again, and approves after.
func TestSSOStepUpBeforeApproving(t *testing.T) {
	s := newSSOStack(t, func(c *sso.Config, _ *service.Config) { c.StepUpMaxAge = 10 * time.Minute })
	ctx := context.Background()
	if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: "bob", Approver: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.CreateRepo(ctx, socket, "acme/pay", ""); err != nil {
		t.Fatal(err)
	}
	alice, _ := s.svc.IdentityOf(ctx, "alice", auth.MethodToken)
	req, err := s.svc.CreateRequest(ctx, alice, service.NewRequest{Repo: "acme/pay", Level: auth.LevelRead, Duration: time.Hour, Reason: "incident 7"})
	if err != nil {
		t.Fatal(err)
	}
	// A token proves no recent sign-in: the API refuses to approve.
	bobToken, _, err := s.svc.CreateToken(ctx, socket, "bob", "cli", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	apiReq, _ := http.NewRequest("POST", s.srv.URL+api.ApproveRequest.URL(req.ID), nil)
	apiReq.Header.Set("Authorization", "Bearer "+bobToken)
	apiResp, err := http.DefaultClient.Do(apiReq)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, apiResp); apiResp.StatusCode != http.StatusForbidden || !strings.Contains(body, "approve in the web page") {
		t.Fatalf("API approval under step-up: %d %s", apiResp.StatusCode, body)
	}
	s.idp.SetUser(ssotest.User{Name: "bob", Password: "pw"})
	c := browser(t)
	_, page := s.signIn(c, "bob", "pw", "/requests/"+req.ID)
	s.clock.Advance(20 * time.Minute)
	approve := func(page string) *http.Response {
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no form token:\n%s", page)
		}
		nr := *c
		nr.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := nr.PostForm(s.srv.URL+"/requests/"+req.ID+"/approve", url.Values{"csrf": {m[1]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	resp := approve(page)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin/oidc?stepup=1") {
		t.Fatalf("approve with an old sign-in: %d to %q", resp.StatusCode, loc)
	}
	if r, err := s.svc.Request(ctx, overseer, req.ID); err != nil || r.Status != auth.StatusPending {
		t.Fatalf("approved without step-up: %s", r.Status)
	}
	nr := *c
	nr.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = nr.Get(s.srv.URL + resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	to := resp.Header.Get("Location")
	if !strings.Contains(to, "max_age=600") {
		t.Fatalf("step-up did not ask the provider for max_age: %s", to)
	}
	if resp, err = c.Get(to); err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	_, page = s.submitLogin(c, authRequestID.FindStringSubmatch(body)[1], "bob", "pw")
	resp = approve(page)
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
		t.Fatalf("approve after step-up: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if r, err := s.svc.Request(ctx, overseer, req.ID); err != nil || r.Status != auth.StatusApproved {
		t.Fatalf("after step-up: %s", r.Status)
	}
}

// exchange posts an identity token to the token exchange.
func (s *ssoStack) exchange(raw, grant string) (int, api.CreatedToken, string) {
	s.t.Helper()
	b, _ := json.Marshal(api.TokenExchange{IDToken: raw, Grant: grant})
	resp, err := http.Post(s.srv.URL+api.ExchangeToken.Path, "application/json", strings.NewReader(string(b)))
	if err != nil {
		s.t.Fatal(err)
	}
	body := readAll(s.t, resp)
	var out api.CreatedToken
	_ = json.Unmarshal([]byte(body), &out)
	return resp.StatusCode, out, body
}

// TestTokenExchange: a CI job's token that satisfies its rule buys a token
// of the rule's machine user that ends with the rule's lifetime; a token
// for another branch, audience, an expired, tampered or forged one, and a
// disabled machine user are refused, and every refusal is on the record.
func TestTokenExchange(t *testing.T) {
	s := newSSOStack(t, nil)
	ctx := context.Background()
	if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: "ci-deploy"}); err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"repository": "acme/app", "ref": "refs/heads/main"}
	good := s.idp.Sign(s.idp.Claims("repo:acme/app:ref:refs/heads/main", ciAudience, time.Hour, claims))
	status, tok, body := s.exchange(good, "")
	if status != http.StatusCreated || tok.User != "ci-deploy" {
		t.Fatalf("exchange: %d %s", status, body)
	}
	if want := s.clock.Now().Add(sso.DefaultWorkloadTTL); tok.Expires.After(want) || tok.Expires.Before(want.Add(-time.Second)) {
		t.Errorf("token expires %s, want the rule's lifetime, %s", tok.Expires, want)
	}
	if _, err := s.svc.AuthenticateToken(ctx, tok.Token); err != nil {
		t.Fatalf("exchanged token refused: %v", err)
	}
	s.clock.Advance(sso.DefaultWorkloadTTL)
	if _, err := s.svc.AuthenticateToken(ctx, tok.Token); err == nil {
		t.Fatal("the exchanged token outlived its rule's lifetime")
	}

	short := s.idp.Sign(s.idp.Claims("job", ciAudience, 5*time.Minute+time.Hour, claims))
	s.clock.Set(time.Now())
	if status, tok, body := s.exchange(short, ""); status != http.StatusCreated || tok.Expires.After(s.clock.Now().Add(sso.DefaultWorkloadTTL+time.Second)) {
		t.Fatalf("short token: %d %s", status, body)
	}
	idShort := s.idp.Sign(s.idp.Claims("job", ciAudience, 2*time.Minute, claims))
	if _, tok, _ := s.exchange(idShort, ""); tok.Expires.After(time.Now().Add(2*time.Minute + time.Second)) {
		t.Errorf("token outlives its identity token: %s", tok.Expires)
	}

	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]
	for name, raw := range map[string]string{
		"another branch":  s.idp.Sign(s.idp.Claims("job", ciAudience, time.Hour, map[string]any{"repository": "acme/app", "ref": "refs/heads/dev"})),
		"a fork":          s.idp.Sign(s.idp.Claims("job", ciAudience, time.Hour, map[string]any{"repository": "acme/app-fork", "ref": "refs/heads/main"})),
		"wrong audience":  s.idp.Sign(s.idp.Claims("job", "https://other.test", time.Hour, claims)),
		"expired":         s.idp.Sign(s.idp.Claims("job", ciAudience, -time.Minute, claims)),
		"tampered":        tampered,
		"forged":          s.idp.SignWithOtherKey(s.idp.Claims("job", ciAudience, time.Hour, claims)),
		"unknown issuer":  s.idp.Sign(map[string]any{"iss": "https://elsewhere.test", "aud": ciAudience, "exp": 9999999999, "iat": 1}),
		"grant not asked": good,
	} {
		grant := ""
		if name == "grant not asked" {
			grant = "g_x"
		}
		if status, _, body := s.exchange(raw, grant); status != http.StatusUnauthorized {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	tr := true
	if _, err := s.svc.UpdateUser(ctx, socket, "ci-deploy", service.UserChange{Disabled: &tr}); err != nil {
		t.Fatal(err)
	}
	if status, _, body := s.exchange(good, ""); status != http.StatusForbidden || !strings.Contains(body, "disabled") {
		t.Errorf("disabled machine user: %d %s", status, body)
	}
	denied := 0
	for _, ev := range s.events("token.exchange") {
		if ev.Result == "deny" {
			denied++
		}
	}
	if denied != 9 {
		t.Errorf("%d refused exchanges on the record, want 9", denied)
	}
}

// TestTokenExchangeWhileGrant: a rule that binds tokens to a grant gives
// one only for an active grant of its user, ending with the grant.
func TestTokenExchangeWhileGrant(t *testing.T) {
	s := newSSOStack(t, nil, sso.TrustRule{ID: "release", Audience: ciAudience, User: "ci-release", While: "grant",
		MaxLifetime: time.Hour, Claims: map[string]string{"environment": "production"}})
	ctx := context.Background()
	for _, u := range []string{"ci-release", "someone"} {
		if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: u}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.svc.CreateRepo(ctx, socket, "acme/app", ""); err != nil {
		t.Fatal(err)
	}
	g, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: auth.UserPrincipal("ci-release"), Repo: "acme/app", Level: auth.LevelWrite, Duration: 10 * time.Minute, Reason: "release 1.2"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: auth.UserPrincipal("someone"), Repo: "acme/app", Level: auth.LevelWrite, Duration: time.Hour, Reason: "theirs"})
	if err != nil {
		t.Fatal(err)
	}
	raw := s.idp.Sign(s.idp.Claims("job", ciAudience, time.Hour, map[string]any{"environment": "production"}))
	if status, _, body := s.exchange(raw, ""); status != http.StatusUnauthorized || !strings.Contains(body, "only while a grant runs") {
		t.Errorf("no grant named: %d %s", status, body)
	}
	if status, _, body := s.exchange(raw, other.ID); status != http.StatusForbidden {
		t.Errorf("someone else's grant: %d %s", status, body)
	}
	status, tok, body := s.exchange(raw, g.ID)
	if status != http.StatusCreated || !tok.Expires.Equal(g.Expires) {
		t.Fatalf("with the grant: %d %s (grant ends %s)", status, body, g.Expires)
	}
	if _, err := s.svc.AuthenticateToken(ctx, tok.Token); err != nil {
		t.Fatalf("bound token refused while its grant runs: %v", err)
	}
	// A grant revoked early ends its token at the next use.
	g2, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: auth.UserPrincipal("ci-release"), Repo: "acme/app", Level: auth.LevelRead, Duration: time.Hour, Reason: "release 1.3"})
	if err != nil {
		t.Fatal(err)
	}
	_, tok2, body := s.exchange(raw, g2.ID)
	if tok2.Token == "" {
		t.Fatalf("second grant: %s", body)
	}
	if _, err := s.svc.RevokeGrant(ctx, socket, g2.ID, "done early"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AuthenticateToken(ctx, tok2.Token); err == nil {
		t.Fatal("a token outlived the grant it was bound to")
	}
	ci, _ := s.svc.IdentityOf(ctx, "ci-release", auth.MethodToken)
	ci.Credential = "token:" + tok2.ID
	if _, err := s.svc.Revalidate(ctx, ci); err == nil {
		t.Fatal("the push re-check accepted a token whose grant was revoked")
	}
	s.clock.Advance(10 * time.Minute)
	if status, _, _ := s.exchange(raw, g.ID); status != http.StatusForbidden {
		t.Errorf("after the grant ended: %d", status)
	}
}

// TestTokenExchangeWhileRequest: a rule that binds tokens to a request
// gives one for the user's pending request (ending when it would lapse)
// or approved one (ending with its grant), and none once it is denied.
func TestTokenExchangeWhileRequest(t *testing.T) {
	s := newSSOStack(t, func(_ *sso.Config, c *service.Config) { c.PendingLifetime = time.Hour }, sso.TrustRule{ID: "nightly", Audience: ciAudience, User: "ci-nightly", While: "request",
		MaxLifetime: 24 * time.Hour, Claims: map[string]string{"workflow": "nightly"}})
	ctx := context.Background()
	for _, u := range []service.NewUser{{Name: "ci-nightly"}, {Name: "bob", Approver: true}} {
		if _, err := s.svc.CreateUser(ctx, socket, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.svc.CreateRepo(ctx, socket, "acme/app", ""); err != nil {
		t.Fatal(err)
	}
	ci, _ := s.svc.IdentityOf(ctx, "ci-nightly", auth.MethodToken)
	bob, _ := s.svc.IdentityOf(ctx, "bob", auth.MethodToken)
	ask := func(reason string) auth.Request {
		r, err := s.svc.CreateRequest(ctx, ci, service.NewRequest{Repo: "acme/app", Level: auth.LevelRead, Duration: 30 * time.Minute, Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	raw := s.idp.Sign(s.idp.Claims("job", ciAudience, 2*time.Hour, map[string]any{"workflow": "nightly"}))
	exchange := func(request string) (int, api.CreatedToken, string) {
		b, _ := json.Marshal(api.TokenExchange{IDToken: raw, Request: request})
		resp, err := http.Post(s.srv.URL+api.ExchangeToken.Path, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		var out api.CreatedToken
		_ = json.Unmarshal([]byte(body), &out)
		return resp.StatusCode, out, body
	}
	pending := ask("nightly 1")
	if status, tok, body := exchange(pending.ID); status != http.StatusCreated || !tok.Expires.Equal(pending.Expires) {
		t.Fatalf("pending request: %d %s (lapses %s)", status, body, pending.Expires)
	}
	approved, err := s.svc.ApproveRequest(ctx, bob, pending.ID, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.svc.Grant(ctx, socket, approved.Grant)
	if err != nil {
		t.Fatal(err)
	}
	if status, tok, body := exchange(approved.ID); status != http.StatusCreated || !tok.Expires.Equal(g.Expires) {
		t.Fatalf("approved request: %d %s (grant ends %s)", status, body, g.Expires)
	}
	denied := ask("nightly 2")
	if _, err := s.svc.DenyRequest(ctx, bob, denied.ID, "not tonight"); err != nil {
		t.Fatal(err)
	}
	if status, _, body := exchange(denied.ID); status != http.StatusForbidden || !strings.Contains(body, "denied") {
		t.Errorf("denied request: %d %s", status, body)
	}
	// A token got while a request waited ends when it is denied.
	waiting := ask("nightly 3")
	_, tok, body := exchange(waiting.ID)
	if _, err := s.svc.AuthenticateToken(ctx, tok.Token); err != nil {
		t.Fatalf("token of a pending request: %v (%s)", err, body)
	}
	if _, err := s.svc.DenyRequest(ctx, bob, waiting.ID, "no"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AuthenticateToken(ctx, tok.Token); err == nil {
		t.Fatal("a token outlived the request it was bound to")
	}
}

// TestSSOCallbackThrottled: callbacks with a state this server never handed
// out are refused and audited, and an address that keeps sending them is
// turned away before they reach the trail.
func TestSSOCallbackThrottled(t *testing.T) {
	s := newSSOStack(t, nil)
	c := browser(t)
	for i := range 6 {
		resp, err := c.Get(s.srv.URL + sso.CallbackPath + "?state=forged&code=x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusUnauthorized
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("callback %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if evs := s.events("session.signin"); len(evs) != 5 {
		t.Fatalf("%d refused callbacks on the record, want 5", len(evs))
	}
}

// TestSSOProviderError: a provider that answers with an error shows its
// short code (escaped), never its description, and the refusal is on the
// record.
func TestSSOProviderError(t *testing.T) {
	s := newSSOStack(t, nil)
	resp, err := http.Get(s.srv.URL + sso.CallbackPath + "?error=access_denied&error_description=" + url.QueryEscape("<script>x</script> call 555"))
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "access_denied") || strings.Contains(page, "555") || strings.Contains(page, "<script>x") {
		t.Fatalf("provider error: %d\n%s", resp.StatusCode, page)
	}
	if evs := s.events("session.signin"); len(evs) != 1 || !strings.Contains(evs[0].Detail, "access_denied") {
		t.Fatalf("provider error not on the record: %+v", evs)
	}
}

// TestSSOUserNameExact: "Bob" at the provider is no jitgit name and is
// refused, unless the configuration folds case; then it is bob.
func TestSSOUserNameExact(t *testing.T) {
	for _, fold := range []bool{false, true} {
		s := newSSOStack(t, func(c *sso.Config, _ *service.Config) { c.LowercaseUsernames = fold })
		s.idp.SetUser(ssotest.User{Name: "Bob", Password: "pw"})
		status, page := s.signIn(browser(t), "Bob", "pw", "/")
		_, err := s.svc.User(context.Background(), socket, "bob")
		switch {
		case !fold && (status != http.StatusUnauthorized || !strings.Contains(page, "not one jitgit accepts") || err == nil):
			t.Errorf("Bob without case folding: %d, user bob: %v", status, err)
		case fold && (status != http.StatusOK || err != nil):
			t.Errorf("Bob with case folding: %d, user bob: %v", status, err)
		}
	}
}
