package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPagesRender(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	s.user("alice", false, false)
	s.repo("acme/payments")
	root, alice := s.client(), s.client()
	root.signIn("root")
	alice.signIn("alice")
	for _, p := range []string{"/", "/requests/new", "/approvals", "/repos", "/repos/acme/payments", "/settings",
		"/admin/users", "/admin/grants?all=1", "/admin/audit?action=session.&since=1h", "/static/style.css", "/static/app.js"} {
		if res, body := root.get(p); res.StatusCode != http.StatusOK {
			t.Errorf("admin GET %s: %d\n%s", p, res.StatusCode, body)
		}
	}
	for _, p := range []string{"/admin/users", "/admin/grants", "/admin/audit"} {
		if res, _ := alice.get(p); res.StatusCode != http.StatusForbidden {
			t.Errorf("alice GET %s: %d, want 403", p, res.StatusCode)
		}
	}
	// A repository alice may not read looks the same as a missing one.
	_, hidden := alice.get("/repos/acme/payments")
	_, missing := alice.get("/repos/acme/nothing")
	if !strings.Contains(hidden, "or it does not exist") || strings.Contains(hidden, "test repository") ||
		strings.ReplaceAll(hidden, "payments", "nothing") != missing {
		t.Error("the repo page tells a hidden repository from a missing one")
	}
	if res, _ := root.get("/admin/audit?since=yesterday-ish"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad since: %d", res.StatusCode)
	}
}

func TestTokensAndKeysPages(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	alice := s.client()
	alice.signIn("alice")
	alice.get("/settings")
	res, body := alice.post("/settings/tokens", url.Values{"name": {"laptop"}, "expires": {"30d"}})
	if res.StatusCode != http.StatusCreated || !strings.Contains(body, `value="jg_`) {
		t.Fatalf("create token: %d\n%s", res.StatusCode, body)
	}
	if res, _ := alice.post("/settings/tokens", url.Values{"name": {"x"}, "expires": {"400d"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("token beyond a year: %d", res.StatusCode)
	}
	ts, err := s.svc.ListTokens(t.Context(), overseer, "alice")
	if err != nil || len(ts) != 1 {
		t.Fatalf("tokens %v %v", ts, err)
	}
	_, body = alice.get("/settings")
	if strings.Contains(body, `value="jg_`) {
		t.Error("the token secret is shown again")
	}
	if res, _ := alice.post("/settings/tokens/"+ts[0].ID+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("revoke token: %d", res.StatusCode)
	}
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"
	if res, body := alice.post("/settings/keys", url.Values{"key": {key}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add key: %d\n%s", res.StatusCode, body)
	}
	if res, body := alice.post("/settings/keys", url.Values{"key": {"not a key"}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not a key") {
		t.Errorf("bad key: %d", res.StatusCode)
	}
	_, body = alice.get("/settings")
	if !strings.Contains(body, "alice@laptop") || !strings.Contains(body, "revoked") {
		t.Errorf("settings lacks the key or the revoked token:\n%s", body)
	}
}
