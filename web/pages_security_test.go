package web

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestCSRFTokenRequired(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	alice := s.client()
	alice.signIn("alice")
	form := func(csrf string) url.Values {
		v := url.Values{"repo": {"acme/payments"}, "access": {"read"}, "duration": {"1h"}, "reason": {"x"}}
		if csrf != "-" {
			v.Set("csrf", csrf)
		}
		return v
	}
	for name, csrf := range map[string]string{"missing": "", "wrong": "not-the-token", "other session's": "-"} {
		f := form(csrf)
		if csrf == "-" {
			other := s.client()
			other.signIn("alice")
			f.Set("csrf", other.csrf)
		}
		if res, _ := alice.post("/requests", f); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s token: %d, want 403", name, res.StatusCode)
		}
	}
	if res, _ := alice.post("/requests", form(alice.csrf), "Sec-Fetch-Site", "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", res.StatusCode)
	}
	if res, _ := alice.post("/requests", form(alice.csrf), "Origin", "https://evil.example"); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: %d, want 403", res.StatusCode)
	}
	rs, err := s.svc.ListRequests(t.Context(), overseer, authFilterAll)
	if err != nil || len(rs) != 0 {
		t.Fatalf("forged posts made requests: %v %v", rs, err)
	}
	if res, _ := alice.post("/requests", form(alice.csrf)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("good token: %d, want 303", res.StatusCode)
	}

	// The sign-in form has no session: its token is the double-submit cookie.
	anon := s.client()
	if res, _ := anon.post("/signin", url.Values{"user": {"alice"}, "password": {"alice-password"}, "csrf": {""}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without token: %d, want 403", res.StatusCode)
	}
	anon.get("/signin")
	if res, _ := anon.post("/signin", url.Values{"user": {"alice"}, "password": {"alice-password"}, "csrf": {"forged"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with a wrong token: %d, want 403", res.StatusCode)
	}
	// Signing out is a POST with the token too; GET does nothing.
	if res, _ := alice.get("/signout"); res.StatusCode == http.StatusSeeOther || res.StatusCode == http.StatusOK {
		t.Errorf("GET /signout: %d", res.StatusCode)
	}
	if res, _ := alice.post("/signout", url.Values{"csrf": {"nope"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out with a wrong token: %d, want 403", res.StatusCode)
	}
}

func TestUserTextEscaped(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	id := alice.ask("acme/payments", "write", "1h", evil)
	for _, page := range []string{"/requests/" + id, "/approvals"} {
		res, body := bob.get(page)
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
			t.Errorf("%s shows the reason unescaped", page)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s lacks the escaped reason", page)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s CSP %q", page, csp)
		}
	}
	// Input kept on a refused form is escaped as well.
	alice.get("/requests/new")
	_, body := alice.post("/requests", url.Values{"repo": {`"><script>x</script>`}, "access": {"read"}, "duration": {"1h"}, "reason": {"r"}})
	if strings.Contains(body, "<script>x") {
		t.Error("refused form echoes the repository unescaped")
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "/",
		"/":                             "/",
		"/approvals":                    "/approvals",
		"/requests/new?repo=a/b":        "/requests/new?repo=a/b",
		"//evil.example":                "/",
		"/\\evil.example":               "/",
		"\\\\evil.example":              "/",
		"https://evil.example/":         "/",
		"javascript:alert(1)":           "/",
		"evil.example":                  "/",
		"/%2fevil.example":              "/",
		"/%5cevil.example":              "/",
		"/%2Fevil.example":              "/",
		"/\tevil":                       "/",
		"/x\r\nLocation: //evil":        "/",
		"/%0d%0aSet-Cookie:x=y":         "/",
		"///evil.example":               "/",
		"/ok/%2e%2e/fine":               "/ok/%2e%2e/fine",
		"/%zz":                          "/",
		"http:/evil.example":            "/",
		"/" + strings.Repeat("a", 3000): "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignInRedirectAndCookie(t *testing.T) {
	s := newStack(t, Options{SecureCookies: true})
	s.user("alice", false, false)
	c := s.client()
	res, _ := c.get("/approvals?x=1")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/signin?next=%2Fapprovals%3Fx%3D1" {
		t.Fatalf("signed-out visit: %d %q", res.StatusCode, loc)
	}
	for next, want := range map[string]string{"/approvals?x=1": "/approvals?x=1", "//evil.example/": "/", "https://evil.example": "/", "/\\evil": "/"} {
		c := s.client()
		c.get("/signin?next=" + url.QueryEscape(next))
		res, _ := c.post("/signin", url.Values{"user": {"alice"}, "password": {"alice-password"}, "next": {next}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != want {
			t.Errorf("next %q: %d %q, want %q", next, res.StatusCode, loc, want)
		}
		var sess *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == sessionCookie {
				sess = ck
			}
		}
		if sess == nil || !sess.HttpOnly || !sess.Secure || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" || sess.MaxAge <= 0 {
			t.Errorf("session cookie %+v", sess)
		}
	}
}

func TestSessionRotatesAndSignOutEnds(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	u, _ := url.Parse(s.srv.URL)
	// A session id planted before sign-in (fixation) is never adopted.
	planted := "planted-session-id-0123456789abcdef"
	c := s.client()
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: planted}})
	c.signIn("alice")
	cur := cookieValue(c.http.Jar.Cookies(u), sessionCookie)
	if cur == "" || cur == planted {
		t.Fatalf("session id not rotated: %q", cur)
	}
	if _, _, err := s.svc.SessionIdentity(t.Context(), planted); err == nil {
		t.Error("the planted session id works")
	}
	other := s.client()
	other.signIn("alice")
	if cookieValue(other.http.Jar.Cookies(u), sessionCookie) == cur {
		t.Error("two sign-ins share a session id")
	}
	c.get("/")
	if res, _ := c.post("/signout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if _, _, err := s.svc.SessionIdentity(t.Context(), cur); err == nil {
		t.Error("the session works after sign-out")
	}
	// Replaying the old cookie gets the sign-in page, not the dashboard.
	replay := s.client()
	replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: cur}})
	if res, _ := replay.get("/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("replayed cookie: %d", res.StatusCode)
	}
	evs, err := s.svc.Events(t.Context(), socket, authEvents("session."))
	if err != nil || len(evs) != 3 { // two sign-ins, one sign-out
		t.Fatalf("session events: %v %v", evs, err)
	}
}

func cookieValue(cs []*http.Cookie, name string) string {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestSignInThrottled(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	c := s.client()
	c.get("/signin")
	for i := range 5 {
		if res, _ := c.post("/signin", url.Values{"user": {"alice"}, "password": {"wrong"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, res.StatusCode)
		}
	}
	res, body := c.post("/signin", url.Values{"user": {"alice"}, "password": {"alice-password"}})
	secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
	if res.StatusCode != http.StatusTooManyRequests || secs < 1 || secs > 300 || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("after 5 failures: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Identical failures are one event at once, the rest counted.
	evs, err := s.svc.Events(t.Context(), socket, authEvents("session.signin"))
	if err != nil || len(evs) != 1 || evs[0].Result != "deny" || evs[0].Target != "alice" {
		t.Fatalf("failed sign-ins audited: %+v %v", evs, err)
	}
}

// signInFrom posts the sign-in form from addr, as a browser there would.
func (s *stack) signInFrom(addr, user, password string) int {
	tok := strings.Repeat("t", 40)
	form := url.Values{"user": {user}, "password": {password}, "csrf": {tok}}
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: signInCookie, Value: tok})
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec.Code
}

// TestSignInNoLockout: wrong passwords for a name from other addresses
// (an attacker's) never keep its user out; the throttle counts per address
// and name typed, and per address.
func TestSignInNoLockout(t *testing.T) {
	s := newStack(t, Options{})
	s.user("approver", true, false)
	for i := range 20 {
		if code := s.signInFrom(fmt.Sprintf("203.0.113.%d", i%4), "approver", "wrong"); code != http.StatusUnauthorized && code != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: %d", i, code)
		}
	}
	if code := s.signInFrom("198.51.100.7", "approver", "approver-password"); code != http.StatusSeeOther {
		t.Fatalf("the user's own sign-in from a new address after 20 failures elsewhere: %d, want 303", code)
	}
	// From the attacker's address the name is throttled, other names not
	// yet: the address has its own, larger budget.
	if code := s.signInFrom("203.0.113.1", "approver", "approver-password"); code != http.StatusTooManyRequests {
		t.Fatalf("the guessing address and name: %d, want 429", code)
	}
	if code := s.signInFrom("203.0.113.1", "someone", "x"); code != http.StatusUnauthorized {
		t.Fatalf("another name from the guessing address: %d, want 401", code)
	}
	for range signInAddrFailures {
		s.signInFrom("192.0.2.9", fmt.Sprintf("name%d", rand.IntN(1<<30)), "x")
	}
	if code := s.signInFrom("192.0.2.9", "fresh", "x"); code != http.StatusTooManyRequests {
		t.Fatalf("an address trying many names: %d, want 429", code)
	}
}

// TestSignInNameNotOnRecord: a password or token typed in the name field of
// a failed sign-in never reaches the audit trail, which cannot be redacted.
func TestSignInNameNotOnRecord(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	typed := []string{"my-secret-password", "jg_" + strings.Repeat("Zx9", 14), "alice-password"}
	for i, name := range typed {
		s.signInFrom(fmt.Sprintf("192.0.2.%d", i), name, "x")
	}
	s.signInFrom("192.0.2.50", "alice", "wrong")
	evs, err := s.svc.Events(t.Context(), socket, authEvents("session.signin"))
	if err != nil || len(evs) != 4 {
		t.Fatalf("%d events: %v", len(evs), err)
	}
	for _, ev := range evs {
		b, _ := json.Marshal(ev)
		for _, name := range typed {
			if strings.Contains(string(b), name) {
				t.Errorf("typed name %q on record: %s", name, b)
			}
		}
	}
	if evs[3].Target != "alice" {
		t.Errorf("an existing user's failed sign-in: target %q", evs[3].Target)
	}
}

func TestDoubleApprovalConflicts(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.user("carol", true, false)
	s.repo("acme/payments")
	alice, bob, carol := s.client(), s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")
	carol.signIn("carol")
	id := alice.ask("acme/payments", "write", "1h", "fix")
	bob.get("/requests/" + id)
	carol.get("/requests/" + id)
	if res, _ := bob.post("/requests/"+id+"/approve", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first approval: %d", res.StatusCode)
	}
	res, body := carol.post("/requests/"+id+"/approve", nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "no longer pending") {
		t.Fatalf("second approval: %d\n%s", res.StatusCode, body)
	}
	if res, body := carol.post("/requests/"+id+"/deny", url.Values{"reason": {"too late"}}); res.StatusCode != http.StatusConflict || !strings.Contains(body, "no longer pending") {
		t.Fatalf("deny after approval: %d\n%s", res.StatusCode, body)
	}
}

func TestConcurrentApprovalsMakeOneGrant(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/payments")
	approvers := make([]*client, 4)
	for i := range approvers {
		name := "approver" + strconv.Itoa(i)
		s.user(name, true, false)
		approvers[i] = s.client()
		approvers[i].signIn(name)
	}
	alice := s.client()
	alice.signIn("alice")
	id := alice.ask("acme/payments", "write", "1h", "race")

	const n = 20
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		c := approvers[i%len(approvers)]
		wg.Go(func() {
			res, _ := c.post("/requests/"+id+"/approve", nil)
			codes <- res.StatusCode
		})
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != n-1 {
		t.Fatalf("statuses %v, want one 303 and %d 409", got, n-1)
	}
	gs, err := s.svc.ListGrants(t.Context(), overseer, authGrantsAll)
	if err != nil || len(gs) != 1 {
		t.Fatalf("grants: %d %v", len(gs), err)
	}
	req, err := s.svc.Request(t.Context(), overseer, id)
	if err != nil || len(req.Reviews) != 1 || req.Grant != gs[0].ID {
		t.Fatalf("request %+v %v", req, err)
	}
}
