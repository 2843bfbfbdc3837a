package web

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// TestAPIGrantPagesWalkEveryGrantOnce: following next through pages of
// five returns each grant once, in id order, while grants are made
// meanwhile; the streamed GET /grants answers the same set.
func TestAPIGrantPagesWalkEveryGrantOnce(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	s.user("alice", false, false)
	s.repo("acme/app")
	for _, u := range []string{"u0", "u1", "u2", "u3", "u4", "u5", "u6", "late"} {
		s.user(u, false, false)
	}
	root := s.token("root")
	add := func(subject string) string {
		t.Helper()
		g, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: subject, Repo: "acme/app", Level: auth.LevelRead, Duration: time.Hour, Reason: "page test"})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	var before []string
	for i := range 37 {
		before = append(before, add(fmt.Sprintf("user:u%d", i%7)))
	}
	before = append(before, add("user:alice"))

	var got []string
	after := ""
	for n := 0; ; n++ {
		if n > 50 {
			t.Fatal("the walk does not end")
		}
		var page api.GrantPage
		if st := s.apiCall(root, "GET", "/api/v1/grants/page?limit=5&after="+after, "", &page); st != 200 {
			t.Fatalf("page after %q: status %d", after, st)
		}
		if len(page.Grants) > 5 {
			t.Fatalf("page of %d grants, limit 5", len(page.Grants))
		}
		for _, g := range page.Grants {
			got = append(got, g.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
		add("user:late") // made meanwhile: seen once or not at all
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("walk = %v, want ascending ids, each once", got)
	}
	for _, id := range before {
		if !slices.Contains(got, id) {
			t.Fatalf("walk misses %s", id)
		}
	}

	var all []api.Grant
	if st := s.apiCall(root, "GET", "/api/v1/grants", "", &all); st != 200 {
		t.Fatalf("GET /grants: status %d", st)
	}
	var streamed []string
	for _, g := range all {
		streamed = append(streamed, g.ID)
	}
	if !slices.IsSorted(streamed) || len(streamed) < len(got) {
		t.Fatalf("GET /grants = %d grants, not in id order or fewer than the walk's %d", len(streamed), len(got))
	}

	// A user's own listing pages too, and sees only its own grants.
	var mine api.GrantPage
	if st := s.apiCall(s.token("alice"), "GET", "/api/v1/grants/page?limit=1", "", &mine); st != 200 || len(mine.Grants) != 1 || mine.Grants[0].Subject != "user:alice" {
		t.Fatalf("alice's page: %d %+v", st, mine)
	}
	var none api.Error
	if st := s.apiCall(root, "GET", "/api/v1/grants?user=nobody-has-this", "", &none); st != 404 || none.Error == "" {
		t.Fatalf("GET /grants for an unknown user: status %d, want 404 before any array", st)
	}
	var e api.Error
	if st := s.apiCall(root, "GET", "/api/v1/grants/page?limit=0", "", &e); st != 400 || e.Error == "" {
		t.Fatalf("limit=0: %d %q", st, e.Error)
	}
}
