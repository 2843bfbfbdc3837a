package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func TestAPICheckOfARefUpdate(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("root", false, true)
	s.repo("acme/payments")
	ctx := t.Context()
	if _, err := s.svc.AddProtection(ctx, overseer, auth.Protection{ID: "main", Repo: "acme/payments", Ref: "refs/heads/main", Forbid: auth.ChangeForce | auth.ChangeDelete}); err != nil {
		t.Fatal(err)
	}
	plain, err := s.svc.AddGrant(ctx, overseer, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelWrite, Duration: time.Hour, Reason: "INC-42"})
	if err != nil {
		t.Fatal(err)
	}
	root := s.token("root")
	check := func(query string) (int, api.Decision) {
		t.Helper()
		var d api.Decision
		st := s.apiCall(root, "GET", "/api/v1/access/check?user=alice&repo=acme/payments&access=write"+query, "", &d)
		return st, d
	}
	if st, d := check("&ref=refs/heads/main"); st != 200 || !d.Allowed || d.Grant != plain.ID || d.Ref != "refs/heads/main" || d.Change != "update" {
		t.Fatalf("a fast-forward of main with plain write: %d %+v", st, d)
	}
	if st, d := check("&ref=refs/heads/main&change=force"); st != 200 || d.Allowed || d.Change != "force" || !strings.Contains(d.Reason, "protected by rule main") || !strings.Contains(d.Reason, "--allow force") {
		t.Fatalf("a force-push of main with plain write: %d %+v", st, d)
	}
	if st, d := check("&ref=refs/heads/topic&change=delete"); st != 200 || !d.Allowed {
		t.Fatalf("deleting an unprotected branch: %d %+v", st, d)
	}
	scoped, err := s.svc.AddGrant(ctx, overseer, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelWrite, Ref: "refs/heads/main", Allow: auth.ChangeForce, Duration: time.Hour, Reason: "INC-43"})
	if err != nil {
		t.Fatal(err)
	}
	if st, d := check("&ref=refs/heads/main&change=force"); st != 200 || !d.Allowed || d.Grant != scoped.ID {
		t.Fatalf("a force-push of main with a grant allowing it: %d %+v", st, d)
	}
	if st, d := check("&ref=refs/heads/main&change=delete"); st != 200 || d.Allowed {
		t.Fatalf("a delete of main with a grant allowing force only: %d %+v", st, d)
	}
	for _, q := range []string{"&ref=main", "&ref=refs/heads/main&change=force,delete", "&ref=refs/heads/main&change=rename", "&change=force"} {
		var e api.Error
		if st := s.apiCall(root, "GET", "/api/v1/access/check?user=alice&repo=acme/payments&access=write"+q, "", &e); st != http.StatusBadRequest || e.Error == "" {
			t.Errorf("%s: %d %+v", q, st, e)
		}
	}
	var e api.Error
	if st := s.apiCall(root, "GET", "/api/v1/access/check?user=alice&repo=acme/payments&access=read&ref=refs/heads/main", "", &e); st != http.StatusBadRequest || !strings.Contains(e.Error, "read access covers every ref") {
		t.Errorf("a read check with a ref: %d %+v", st, e)
	}
}
