package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func TestRequestFormTakesARefFromTheDenyLink(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.user("root", false, true)
	s.repo("acme/payments")
	alice, bob, root := s.client(), s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")
	root.signIn("root")

	// The link a refused push prints fills in the ref.
	res, body := alice.get("/requests/new?repo=acme/payments&access=write&ref=refs/heads/main")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="ref" value="refs/heads/main"`) || !strings.Contains(body, `value="write" checked`) {
		t.Fatalf("prefilled form: %d\n%s", res.StatusCode, body)
	}
	res, body = alice.post("/requests", url.Values{"repo": {"acme/payments"}, "access": {"write"}, "ref": {"refs/heads/main"},
		"allow": {"force", "delete"}, "duration": {"2h"}, "reason": {"rewrite the bad merge"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("request with a ref: %d\n%s", res.StatusCode, body)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(res.Header.Get("Location"), "/requests/"), "?")

	// The approver sees the ref and the allowance in the queue and on the
	// request's page.
	_, body = bob.get("/approvals")
	if !strings.Contains(body, `<strong class="repo">acme/payments</strong> <span class="refscope">limited to <code class="ref">refs/heads/main</code> <span class="allow">(allows force,delete)</span></span> for 2h`) {
		t.Fatalf("queue lacks the ref and allowance:\n%s", body)
	}
	_, body = bob.get("/requests/" + id)
	if !strings.Contains(body, `<dt>Refs</dt><dd><code class="ref">refs/heads/main</code> — allows force,delete</dd>`) {
		t.Fatalf("request page lacks the ref:\n%s", body)
	}
	if res, body := bob.post("/requests/"+id+"/approve", url.Values{"duration": {"1h"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, body)
	}

	// The running grant shows its refs to the requester and the admin.
	_, body = alice.get("/")
	if !strings.Contains(body, `<span class="badge level-write">write</span> <span class="refscope">limited to <code class="ref">refs/heads/main</code> <span class="allow">(allows force,delete)</span></span>`) {
		t.Fatalf("dashboard lacks the grant's refs:\n%s", body)
	}
	_, body = root.get("/admin/grants")
	if !strings.Contains(body, `<code class="ref">refs/heads/main</code> <span class="allow">(allows force,delete)</span>`) {
		t.Fatalf("admin grants lack the refs:\n%s", body)
	}
	gs, err := s.svc.ListGrants(t.Context(), overseer, authGrantsAll)
	if err != nil || len(gs) != 1 || gs[0].Ref != "refs/heads/main" || gs[0].Allow.String() != "force,delete" {
		t.Fatalf("grants: %+v %v", gs, err)
	}
}

func TestRequestFormRefusesABadRef(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	alice := s.client()
	alice.signIn("alice")
	for _, tc := range []struct {
		name string
		form url.Values
		want string
		kept string
	}{
		{"not under refs/", url.Values{"access": {"write"}, "ref": {"main"}}, "refs/heads/main", `name="ref" value="main"`},
		{"matches every ref", url.Values{"access": {"write"}, "ref": {"refs/*"}}, "refs/*", `name="ref" value="refs/*"`},
		{"two dots", url.Values{"access": {"write"}, "ref": {"refs/heads/a..b"}}, "..", `name="ref" value="refs/heads/a..b"`},
		{"read with a ref", url.Values{"access": {"read"}, "ref": {"refs/heads/main"}}, "A ref pattern is for write access", `name="ref" value="refs/heads/main"`},
		{"allowance without a ref", url.Values{"access": {"write"}, "allow": {"force"}}, "Force-pushing or deleting needs a ref pattern", `value="force" checked`},
		{"unknown allowance", url.Values{"access": {"write"}, "ref": {"refs/heads/main"}, "allow": {"rename"}}, "use force, delete, create or update", `name="ref" value="refs/heads/main"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alice.get("/requests/new")
			tc.form.Set("repo", "acme/payments")
			tc.form.Set("duration", "1h")
			tc.form.Set("reason", "keep this text")
			res, body := alice.post("/requests", tc.form)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error"`) || !strings.Contains(body, tc.want) ||
				!strings.Contains(body, tc.kept) || !strings.Contains(body, "keep this text") {
				t.Fatalf("%d\n%s", res.StatusCode, body)
			}
		})
	}
	rs, err := s.svc.ListRequests(t.Context(), overseer, authFilterAll)
	if err != nil || len(rs) != 0 {
		t.Fatalf("requests after refusals: %v %v", rs, err)
	}
}

func TestExtendingARefScopedGrantKeepsItsRefs(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/payments")
	g, err := s.svc.AddGrant(t.Context(), overseer, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelWrite,
		Ref: "refs/heads/hotfix/*", Allow: auth.ChangeDelete, Duration: time.Hour, Reason: "INC-9"})
	if err != nil {
		t.Fatal(err)
	}
	alice := s.client()
	alice.signIn("alice")
	_, body := alice.get("/requests/new?extends=" + g.ID)
	if !strings.Contains(body, `name="ref" value="refs/heads/hotfix/*"`) || !strings.Contains(body, `<input type="hidden" name="allow" value="delete">`) {
		t.Fatalf("extension form lacks the grant's refs:\n%s", body)
	}
	res, body := alice.post("/requests", url.Values{"extends": {g.ID}, "repo": {"acme/payments"}, "access": {"write"}, "ref": {"refs/heads/hotfix/*"},
		"allow": {"delete"}, "duration": {"1h"}, "reason": {"still on it"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("extension: %d\n%s", res.StatusCode, body)
	}
	rs, err := s.svc.ListRequests(t.Context(), overseer, authFilterAll)
	if err != nil || len(rs) != 1 || rs[0].Extends != g.ID || rs[0].Ref != "refs/heads/hotfix/*" || rs[0].Allow != auth.ChangeDelete {
		t.Fatalf("requests: %+v %v", rs, err)
	}
}
