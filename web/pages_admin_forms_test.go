package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestAdminGrantFormAndDisable(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	s.user("alice", false, false)
	s.repo("acme/payments")
	c := s.client()
	c.signIn("root")

	c.get("/admin/grants")
	res, body := c.post("/admin/grants", url.Values{"subject": {"user:alice"}, "repo": {"acme/payments"}, "access": {"write"}, "duration": {"8d"}, "reason": {"too long"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "longest allowed") || !strings.Contains(body, `value="too long"`) {
		t.Fatalf("a grant beyond the longest: %d", res.StatusCode)
	}
	res, body = c.post("/admin/grants", url.Values{"subject": {"user:mallory"}, "repo": {"acme/payments"}, "access": {"read"}, "duration": {"1h"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "No user &#34;mallory&#34;") {
		t.Fatalf("a grant to an unknown user: %d", res.StatusCode)
	}
	res, _ = c.post("/admin/grants", url.Values{"subject": {"user:alice"}, "repo": {"acme/payments"}, "access": {"write"}, "duration": {"2h"}, "reason": {"<b>INC-42</b>"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant: %d", res.StatusCode)
	}
	if _, body := c.get("/admin/grants"); !strings.Contains(body, "&lt;b&gt;INC-42&lt;/b&gt;") {
		t.Error("the new grant's reason is not listed escaped")
	}
	who, _ := s.svc.IdentityOf(context.Background(), "alice", "test")
	if d := s.svc.Authorizer().Decide(context.Background(), who, "acme/payments", auth.ActionWrite); !d.Allowed {
		t.Fatalf("the form's grant does not allow: %s", d.Reason)
	}

	c.get("/admin/users")
	if res, _ := c.post("/admin/users/alice/disable", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if _, err := s.svc.IdentityOf(context.Background(), "alice", "test"); err == nil {
		t.Fatal("alice is still let in after being disabled")
	}
	if _, body := c.get("/admin/users"); !strings.Contains(body, `action="/admin/users/alice/enable"`) || strings.Contains(body, `action="/admin/users/root/disable"`) {
		t.Error("the users page offers the wrong buttons")
	}

	// Not for everyone.
	s.user("bob", true, false)
	b := s.client()
	b.signIn("bob")
	b.get("/")
	if res, _ := b.post("/admin/users/alice/enable", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an approver enabled a user: %d", res.StatusCode)
	}
	if res, _ := b.post("/admin/grants", url.Values{"subject": {"user:bob"}, "repo": {"acme/payments"}, "access": {"admin"}, "duration": {"1h"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an approver granted himself access: %d", res.StatusCode)
	}
}
