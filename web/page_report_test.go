package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// TestReportPage: an auditor and an administrator see who could read a
// repository, through what and why; anyone else is refused.
func TestReportPage(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	s.user("alice", false, false)
	s.repo("acme/payments")
	if _, err := s.svc.CreateUser(context.Background(), socket, service.NewUser{Name: "audra", Password: "audra-password", Auditor: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "INC-77 <check>"}); err != nil {
		t.Fatal(err)
	}
	root, alice, audra := s.client(), s.client(), s.client()
	root.signIn("root")
	alice.signIn("alice")
	audra.signIn("audra")
	for name, c := range map[string]*client{"root": root, "audra": audra} {
		res, body := c.get("/reports/access?repo=acme/payments")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "INC-77 &lt;check&gt;") || !strings.Contains(body, ">alice") {
			t.Errorf("%s: %d\n%s", name, res.StatusCode, body)
		}
	}
	if _, body := audra.get("/"); !strings.Contains(body, `href="/reports/access"`) {
		t.Error("the auditor's menu has no access report")
	}
	if res, _ := alice.get("/reports/access?repo=acme/payments"); res.StatusCode != http.StatusForbidden {
		t.Errorf("alice: %d, want 403", res.StatusCode)
	}
	if res, _ := root.get("/reports/access?repo=acme/payments&user=alice"); res.StatusCode != http.StatusBadRequest {
		t.Errorf("repo and user: %d, want 400", res.StatusCode)
	}
}
