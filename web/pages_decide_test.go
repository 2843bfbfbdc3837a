package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// TestRequestPageNamesDeciders: the request page says who may approve it
// and how many approvals it still needs; a request for a repository that
// does not exist is flagged to the approver only.
func TestRequestPageNamesDeciders(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.user("erin", false, false)
	ctx := context.Background()
	if _, err := s.svc.CreateUser(ctx, socket, service.NewUser{Name: "lead", Password: "lead-password", Groups: []string{"payments-leads"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.svc.SyncPolicies(ctx, "config", []auth.Policy{
		{ID: "leads", Subjects: []string{"group:payments-leads", "user:erin"}, Repos: []string{"acme/*"}, Effect: auth.Allow, Approve: true},
		{ID: "two", Subjects: []string{"anyone"}, Repos: []string{"acme/payments"}, Effect: auth.Allow, Approvals: 2},
	}); err != nil {
		t.Fatal(err)
	}
	s.repo("acme/payments")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")

	id := alice.ask("acme/payments", "read", "1h", "look")
	_, body := alice.get("/requests/" + id)
	for _, want := range []string{"bob, erin; members of group payments-leads", "0 of 2 — 2 more needed"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q:\n%s", want, body)
		}
	}
	bob.post("/requests/"+id+"/approve", nil)
	if _, body := alice.get("/requests/" + id); !strings.Contains(body, "1 of 2 — 1 more needed") {
		t.Errorf("after one approval:\n%s", body)
	}

	ghost := alice.ask("acme/ghost", "read", "1h", "a repository nobody made")
	if _, body := alice.get("/requests/" + ghost); strings.Contains(body, "does not exist") {
		t.Error("the requester is told the repository does not exist")
	}
	if _, body := bob.get("/requests/" + ghost); !strings.Contains(body, "acme/ghost does not exist") {
		t.Errorf("the approver is not told:\n%s", body)
	}
	if _, body := bob.get("/approvals?q=ghost"); !strings.Contains(body, `class="hint missing-repo"`) {
		t.Errorf("the queue does not flag it:\n%s", body)
	}
}

// TestDashboardSaysWhoDecided: the grant card says who approved and for
// how long; a denied request shows who denied it and why.
func TestDashboardSaysWhoDecided(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	s.repo("acme/web")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")
	id := alice.ask("acme/payments", "read", "4h", "look")
	bob.get("/requests/" + id)
	bob.post("/requests/"+id+"/approve", url.Values{"duration": {"2h"}})
	no := alice.ask("acme/web", "write", "1h", "push")
	bob.post("/requests/"+no+"/deny", url.Values{"reason": {"use a fork"}})

	_, body := alice.get("/")
	for _, want := range []string{"Approved by bob for 2h", "by bob for 2h", "bob: use a fork", `class="deadline">in 1 hour 59 minutes<`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, body)
		}
	}
	if _, body := alice.get("/requests/" + id); !strings.Contains(body, "Approved by bob for 2h") {
		t.Errorf("grant card on the request page:\n%s", body)
	}
}

// TestRequestFormKeepsInputAndMarksField: an error shows the form as it
// was sent, with the field it names marked and focused; a duplicate links
// to the pending request; an extension offers only the grant's level.
func TestRequestFormKeepsInputAndMarksField(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/payments")
	alice := s.client()
	alice.signIn("alice")
	alice.get("/requests/new")
	res, body := alice.post("/requests", url.Values{"repo": {"acme/payments"}, "access": {"write"}, "duration": {"30d"}, "reason": {"long"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("too long: %d", res.StatusCode)
	}
	if !regexp.MustCompile(`<option value="30d" selected>30d \(not allowed\)</option>`).MatchString(body) {
		t.Errorf("the duration typed is not kept:\n%s", body)
	}
	if !strings.Contains(body, `<select name="duration" aria-invalid="true" autofocus>`) {
		t.Errorf("the duration is not marked:\n%s", body)
	}
	if !strings.Contains(body, `value="write" checked`) || !strings.Contains(body, ">long</textarea>") {
		t.Errorf("the rest is not kept:\n%s", body)
	}
	res, body = alice.post("/requests", url.Values{"repo": {"acme/payments"}, "access": {"read"}, "duration": {"1h"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `name="reason" rows="4" maxlength="1000" required aria-invalid="true" autofocus`) {
		t.Errorf("missing reason not marked (%d):\n%s", res.StatusCode, body)
	}

	id := alice.ask("acme/payments", "read", "1h", "first")
	res, body = alice.post("/requests", url.Values{"repo": {"acme/payments"}, "access": {"read"}, "duration": {"1h"}, "reason": {"again"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `<a href="/requests/`+id+`">`) {
		t.Errorf("duplicate without a link (%d):\n%s", res.StatusCode, body)
	}

	g, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	_, body = alice.get("/requests/new?extends=" + g.ID)
	if strings.Contains(body, `value="write"`) || !strings.Contains(body, `name="access" value="read" checked`) {
		t.Errorf("the extension form offers another level:\n%s", body)
	}
}

// TestApprovalsQueuePagesAndBulk: the queue pages with a cursor, filters,
// and decides the chosen requests at once, naming any it could not.
func TestApprovalsQueuePagesAndBulk(t *testing.T) {
	s := newStack(t, Options{})
	s.user("bob", true, false)
	for i := range 10 {
		s.repo("acme/r" + string(rune('0'+i)))
	}
	seedPending(t, s, 60)
	bob := s.client()
	bob.signIn("bob")
	_, body := bob.get("/approvals")
	if n := strings.Count(body, `<li class="card"`); n != 25 || !strings.Contains(body, "60 requests match") {
		t.Fatalf("first page has %d items:\n%s", n, body)
	}
	next := regexp.MustCompile(`href="(/approvals\?after=[^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page link")
	}
	_, body2 := bob.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(body2, "r_00034") || strings.Contains(body2, "r_00035\"") || !strings.Contains(body2, "First page") {
		t.Fatalf("second page:\n%s", body2)
	}
	_, body = bob.get("/approvals?repo=acme/r3&access=write")
	if !strings.Contains(body, "6 requests match") {
		t.Fatalf("filtered:\n%s", body)
	}
	if res, _ := bob.get("/approvals?status=bogus"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad status: %d", res.StatusCode)
	}

	// r_00059 and r_00058 approved at once; a bogus id is named.
	res, body := bob.post("/approvals/bulk", url.Values{"id": {"r_00059", "r_00058", "r_nope"}, "decision": {"approve"}, "back": {"q=task"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "r_nope: ") || !strings.Contains(body, "1 of 3 could not be decided") {
		t.Fatalf("bulk with a bad id (%d):\n%s", res.StatusCode, body)
	}
	for _, id := range []string{"r_00059", "r_00058"} {
		if r, _ := s.svc.Request(context.Background(), overseer, id); r.Status != auth.StatusApproved {
			t.Errorf("%s is %s", id, r.Status)
		}
	}
	if res, body := bob.post("/approvals/bulk", url.Values{"id": {"r_00057"}, "decision": {"deny"}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Say why") {
		t.Fatalf("deny without a reason (%d)", res.StatusCode)
	}
	res, _ = bob.post("/approvals/bulk", url.Values{"id": {"r_00057", "r_00056"}, "decision": {"deny"}, "reason": {"not now"}, "back": {"sort=oldest"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/approvals?sort=oldest" {
		t.Fatalf("bulk deny: %d %q", res.StatusCode, loc)
	}
	if _, body := bob.get("/approvals?sort=oldest"); !strings.Contains(body, "the requests you chose are decided") || !strings.Contains(body, "56 requests match") {
		t.Fatalf("after bulk:\n%s", body)
	}
}
