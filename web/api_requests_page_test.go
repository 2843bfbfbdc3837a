package web

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jitgit/jitgit/api"
)

// TestAPIRequestPagesWalkEveryRequestOnce: following next through pages of
// five returns each request once, in id order, while requests are filed
// meanwhile; the streamed GET /requests answers the same set, and a
// requester's own listing holds only theirs.
func TestAPIRequestPagesWalkEveryRequestOnce(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	s.repo("acme/app")
	s.repo("acme/late")
	root := s.token("root")
	file := func(user, repo string) string {
		t.Helper()
		var r api.Request
		if st := s.apiCall(s.token(user), "POST", "/api/v1/requests", fmt.Sprintf(`{"repo":%q,"access":"read","duration":"1h","reason":"page test"}`, repo), &r); st != 201 {
			t.Fatalf("%s asks for %s: status %d", user, repo, st)
		}
		return r.ID
	}
	var before []string
	for i := range 13 {
		u := fmt.Sprintf("u%d", i)
		s.user(u, false, false)
		before = append(before, file(u, "acme/app"))
	}
	var got []string
	after := ""
	for n := 0; ; n++ {
		if n > 50 {
			t.Fatal("the walk does not end")
		}
		var page api.RequestPage
		if st := s.apiCall(root, "GET", "/api/v1/requests/page?limit=5&after="+after, "", &page); st != 200 {
			t.Fatalf("page after %q: status %d", after, st)
		}
		if len(page.Requests) > 5 {
			t.Fatalf("page of %d requests, limit 5", len(page.Requests))
		}
		for _, r := range page.Requests {
			got = append(got, r.ID)
		}
		if page.Next == "" {
			break
		}
		after = page.Next
		file(fmt.Sprintf("u%d", n), "acme/late") // filed meanwhile: seen once or not at all
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("walk = %v, want ascending ids, each once", got)
	}
	for _, id := range before {
		if !slices.Contains(got, id) {
			t.Fatalf("walk misses %s", id)
		}
	}
	var all []api.Request
	if st := s.apiCall(root, "GET", "/api/v1/requests", "", &all); st != 200 {
		t.Fatalf("GET /requests: status %d", st)
	}
	var streamed []string
	for _, r := range all {
		streamed = append(streamed, r.ID)
	}
	if !slices.IsSorted(streamed) || len(streamed) < len(got) {
		t.Fatalf("GET /requests = %d requests, not in id order or fewer than the walk's %d", len(streamed), len(got))
	}
	var mine api.RequestPage
	if st := s.apiCall(s.token("u3"), "GET", "/api/v1/requests/page?mine=1", "", &mine); st != 200 || len(mine.Requests) == 0 {
		t.Fatalf("u3's page: %d %+v", st, mine)
	}
	for _, r := range mine.Requests {
		if r.Requester != "u3" {
			t.Fatalf("u3's page holds %s's request", r.Requester)
		}
	}
	var e api.Error
	if st := s.apiCall(root, "GET", "/api/v1/requests/page?status=lost", "", &e); st != 400 || e.Error == "" {
		t.Fatalf("status=lost: %d %q", st, e.Error)
	}
}
