package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestChangePasswordEndsEverySession(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	laptop, phone := s.client(), s.client()
	laptop.signIn("alice")
	phone.signIn("alice")

	laptop.get("/settings")
	res, body := laptop.post("/settings/password", url.Values{"current": {"wrong-password"}, "password": {"a-new-password"}, "confirm": {"a-new-password"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "current password is not right") {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	res, body = laptop.post("/settings/password", url.Values{"current": {"alice-password"}, "password": {"a-new-password"}, "confirm": {"another"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "differ") {
		t.Fatalf("mismatched confirmation: %d", res.StatusCode)
	}
	res, _ = laptop.post("/settings/password", url.Values{"current": {"alice-password"}, "password": {"a-new-password"}, "confirm": {"a-new-password"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Fatalf("change: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	for name, c := range map[string]*client{"laptop": laptop, "phone": phone} {
		if res, _ := c.get("/settings"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Errorf("%s session still works after the password change: %d", name, res.StatusCode)
		}
	}
	if _, err := s.svc.Authenticate(t.Context(), "alice", "alice-password"); err == nil {
		t.Error("the old password still works")
	}
	if _, err := s.svc.Authenticate(t.Context(), "alice", "a-new-password"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
}
