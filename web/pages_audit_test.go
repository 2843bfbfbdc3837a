package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
)

// seedEvents appends n events straight to the trail: every third a denied
// access.read of acme/r<i%5> by user<i%7>, the others request.create, one
// second apart ending now.
func seedEvents(t testing.TB, s *stack, n int) {
	t.Helper()
	now := time.Now().UTC()
	for start := 0; start < n; start += 1000 {
		var evs []audit.Event
		for i := start; i < min(n, start+1000); i++ {
			e := audit.Event{Time: now.Add(time.Duration(i-n) * time.Second), Actor: fmt.Sprintf("user%d", i%7), Action: "request.create",
				Repo: fmt.Sprintf("acme/r%d", i%5), Result: "ok", Detail: fmt.Sprintf("event %d", i), Transport: "web"}
			if i%3 == 0 {
				e.Action, e.Result = "access.read", "deny"
			}
			evs = append(evs, e)
		}
		if _, err := s.db.Events().AppendEvents(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
	}
}

var seqCell = regexp.MustCompile(`<td data-label="#">(\d+)</td>`)

func seqs(body string) []string {
	var out []string
	for _, m := range seqCell.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func nextLink(t *testing.T, body, rel string) string {
	t.Helper()
	m := regexp.MustCompile(`href="([^"]+)" rel="` + rel + `"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func TestAuditPagePagesAndFilters(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	seedEvents(t, s, 10000)
	admin := s.client()
	admin.signIn("root")

	_, body := admin.get("/admin/audit")
	first := seqs(body)
	if len(first) != auditPageSize {
		t.Fatalf("first page: %d events", len(first))
	}
	// The prefix "access" finds access.read; result and repository narrow.
	_, body = admin.get("/admin/audit?action=access&result=deny&repo=acme/r2")
	got := seqs(body)
	if len(got) != auditPageSize || strings.Contains(body, "request.create</code>") || !strings.Contains(body, "access.read</code>") {
		t.Fatalf("filtered page: %d events\n%s", len(got), body)
	}
	// Pages go older and back newer without overlap.
	older := nextLink(t, body, "next")
	if older == "" {
		t.Fatal("no older page")
	}
	_, body2 := admin.get(older)
	page2 := seqs(body2)
	if len(page2) != auditPageSize || page2[0] >= got[len(got)-1] && len(page2[0]) == len(got[len(got)-1]) {
		t.Fatalf("older page %v after %v", page2[:3], got[len(got)-3:])
	}
	newer := nextLink(t, body2, "prev")
	_, body3 := admin.get(newer)
	if back := seqs(body3); strings.Join(back, ",") != strings.Join(got, ",") {
		t.Fatalf("newer page is not the first one again: %v vs %v", back[:3], got[:3])
	}
	// Matches of a user: 10000/3 access events by user1 when i%7==1.
	n := 0
	for link := "/admin/audit?user=user1&action=access."; link != ""; n++ {
		_, b := admin.get(link)
		if n == 0 && !strings.Contains(b, "access.read") {
			t.Fatal("no events for user1")
		}
		link = nextLink(t, b, "next")
		if n > 40 {
			t.Fatal("paging does not end")
		}
	}
	if n != 10 { // 477 events, 50 a page
		t.Errorf("%d pages of user1's access events", n)
	}
	// A time range: the last ten minutes hold 600 events.
	_, body = admin.get("/admin/audit?since=10m&until=5m&action=request")
	for _, sq := range seqs(body) {
		if sq < "9400" && len(sq) == 4 {
			t.Fatalf("event %s is older than 10 minutes", sq)
		}
	}
	if res, body := admin.get("/admin/audit?until=someday"); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `name="until" value="someday" placeholder="1h, 2026-01-03" aria-invalid="true" autofocus`) {
		t.Fatalf("bad until: %d\n%s", res.StatusCode, body)
	}
}
