package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// apiCall sends a JSON API request with a bearer token and decodes the
// answer into out (when not nil); it returns the status.
func (s *stack) apiCall(token, method, path, body string, out any) int {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		s.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var raw json.RawMessage
	if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
		s.t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

func (s *stack) token(user string) string {
	s.t.Helper()
	secret, _, err := s.svc.CreateToken(context.Background(), socket, user, "api test", time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return secret
}

func TestAPIRequestFlow(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	alice, bob := s.token("alice"), s.token("bob")

	var r api.Request
	if st := s.apiCall(alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"write","duration":"2h","reason":"INC-42","ticket":"INC-42"}`, &r); st != http.StatusCreated || r.Status != "pending" || r.Duration != "2h" {
		t.Fatalf("create: %d %+v", st, r)
	}
	var e struct{ Error string }
	if st := s.apiCall(alice, "POST", "/api/v1/requests/"+r.ID+"/approve", `{}`, &e); st != http.StatusForbidden || !strings.Contains(e.Error, "own request") {
		t.Fatalf("self-approval: %d %q", st, e.Error)
	}
	var list []api.Request
	if st := s.apiCall(bob, "GET", "/api/v1/requests?status=pending", "", &list); st != 200 || len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("bob's queue: %d %+v", st, list)
	}
	if st := s.apiCall(alice, "GET", "/api/v1/requests?mine=1", "", &list); st != 200 || len(list) != 1 {
		t.Fatalf("alice's requests: %d %+v", st, list)
	}
	if st := s.apiCall(bob, "POST", "/api/v1/requests/"+r.ID+"/approve", `{"duration":"1h","comment":"one hour is enough"}`, &r); st != 200 || r.Status != "approved" || r.Grant == "" {
		t.Fatalf("approve: %d %+v", st, r)
	}
	if st := s.apiCall(bob, "POST", "/api/v1/requests/"+r.ID+"/approve", `{}`, &e); st != http.StatusConflict {
		t.Fatalf("second approval: %d %q", st, e.Error)
	}
	if st := s.apiCall(bob, "POST", "/api/v1/requests/"+r.ID+"/deny", `{"reason":"late"}`, &e); st != http.StatusConflict {
		t.Fatalf("deny after approval: %d", st)
	}
	var grants []api.Grant
	if st := s.apiCall(alice, "GET", "/api/v1/grants", "", &grants); st != 200 || len(grants) != 1 || grants[0].ID != r.Grant || grants[0].Remaining != "1h" {
		t.Fatalf("alice's grants: %d %+v", st, grants)
	}
	var d api.Decision
	if st := s.apiCall(alice, "GET", "/api/v1/access/check?repo=acme/payments&access=write", "", &d); st != 200 || !d.Allowed || d.Grant != r.Grant {
		t.Fatalf("check: %d %+v", st, d)
	}
	var g api.Grant
	if st := s.apiCall(bob, "POST", "/api/v1/grants/"+r.Grant+"/relinquish", "", &e); st != http.StatusForbidden {
		t.Fatalf("bob relinquishes alice's grant: %d", st)
	}
	if st := s.apiCall(alice, "POST", "/api/v1/grants/"+r.Grant+"/relinquish", "", &g); st != 200 || g.Active {
		t.Fatalf("relinquish: %d %+v", st, g)
	}

	// Deny with a reason the requester sees; cancel by the requester only.
	var r2 api.Request
	s.apiCall(alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"look around"}`, &r2)
	if st := s.apiCall(bob, "POST", "/api/v1/requests/"+r2.ID+"/deny", `{}`, &e); st != http.StatusBadRequest {
		t.Fatalf("deny without a reason: %d", st)
	}
	if st := s.apiCall(bob, "POST", "/api/v1/requests/"+r2.ID+"/deny", `{"reason":"use the docs site"}`, &r2); st != 200 || r2.DenyReason != "use the docs site" {
		t.Fatalf("deny: %d %+v", st, r2)
	}
	if st := s.apiCall(alice, "GET", "/api/v1/requests/"+r2.ID, "", &r2); st != 200 || r2.Status != "denied" || r2.DenyReason != "use the docs site" {
		t.Fatalf("requester sees: %d %+v", st, r2)
	}
	var r3 api.Request
	s.apiCall(alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"x"}`, &r3)
	if st := s.apiCall(bob, "POST", "/api/v1/requests/"+r3.ID+"/cancel", "", &e); st != http.StatusForbidden {
		t.Fatalf("bob cancels alice's request: %d", st)
	}
	if st := s.apiCall(alice, "POST", "/api/v1/requests/"+r3.ID+"/cancel", "", &r3); st != 200 || r3.Status != "cancelled" {
		t.Fatalf("cancel: %d %+v", st, r3)
	}
}

func TestAPIBadInput(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/payments")
	alice := s.token("alice")
	var e struct{ Error string }
	for _, c := range []struct {
		name, token, method, path, body string
		status                          int
	}{
		{"no token", "", "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"x"}`, 401},
		{"bad token", "jg_notavalidtokennotavalidtoken", "GET", "/api/v1/grants", "", 401},
		{"not JSON", alice, "POST", "/api/v1/requests", `repo=acme/payments`, 400},
		{"unknown field", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"x","grant_now":true}`, 400},
		{"two objects", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"x"}{}`, 400},
		{"empty body", alice, "POST", "/api/v1/requests", ``, 400},
		{"zero duration", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","duration":"0s","reason":"x"}`, 400},
		{"negative duration", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","duration":"-2h","reason":"x"}`, 400},
		{"overflowing duration", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","duration":"9999999999999d","reason":"x"}`, 400},
		{"beyond the longest", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","duration":"8d","reason":"x"}`, 400},
		{"admin access", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"admin","reason":"x"}`, 400},
		{"traversal", alice, "POST", "/api/v1/requests", `{"repo":"../../etc","access":"read","reason":"x"}`, 400},
		{"bad status filter", alice, "GET", "/api/v1/requests?status=everything", "", 400},
		{"not an admin", alice, "POST", "/api/v1/grants", `{"user":"alice","repo":"acme/payments","access":"admin","duration":"1h"}`, 403},
		{"audit is for admins", alice, "GET", "/api/v1/audit", "", 403},
		{"unknown endpoint", alice, "GET", "/api/v1/nothing", "", 404},
		{"unknown request", alice, "GET", "/api/v1/requests/r_nothing", "", 404},
		{"huge body", alice, "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"` + strings.Repeat("x", 2<<20) + `"}`, 413},
	} {
		if st := s.apiCall(c.token, c.method, c.path, c.body, &e); st != c.status || e.Error == "" {
			t.Errorf("%s: status %d error %q, want %d with a message", c.name, st, e.Error, c.status)
		}
		e.Error = ""
	}
	reqs, _ := s.svc.ListRequests(context.Background(), overseer, service.RequestFilter{})
	if len(reqs) != 0 {
		t.Fatalf("refused calls filed %d requests", len(reqs))
	}
}

func TestAPIConcurrentApprovals(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/payments")
	var tokens []string
	for _, n := range []string{"bob", "carol", "dave", "erin"} {
		s.user(n, true, false)
		tokens = append(tokens, s.token(n))
	}
	var r api.Request
	s.apiCall(s.token("alice"), "POST", "/api/v1/requests", `{"repo":"acme/payments","access":"read","reason":"x"}`, &r)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := s.apiCall(tokens[i%len(tokens)], "POST", "/api/v1/requests/"+r.ID+"/approve", "", nil)
			mu.Lock()
			codes[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[200] != 1 || codes[409] != 19 {
		t.Fatalf("status counts %v, want one 200 and nineteen 409", codes)
	}
	gs, _ := s.svc.ListGrants(context.Background(), overseer, service.GrantFilter{All: true})
	evs, _ := s.svc.Events(context.Background(), overseer, service.EventFilter{Action: "request.approve"})
	if len(gs) != 1 || len(evs) != 1 {
		t.Fatalf("%d grants, %d approval events; want 1 and 1", len(gs), len(evs))
	}
}

// The API takes passwords over Basic; guessing them there must be as
// hopeless as on the sign-in page or over git.
func TestAPIAuthThrottled(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	call := func(password string) *http.Response {
		req, _ := http.NewRequest("GET", s.srv.URL+"/api/v1/whoami", nil)
		req.SetBasicAuth("alice", password)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for i := range apiAuthFailures {
		if res := call("wrong-guess"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, res.StatusCode)
		}
	}
	res := call("alice-password")
	if secs, _ := strconv.Atoi(res.Header.Get("Retry-After")); res.StatusCode != http.StatusTooManyRequests || secs < 1 {
		t.Fatalf("after %d failures the right password got %d (Retry-After %q), want 429", apiAuthFailures, res.StatusCode, res.Header.Get("Retry-After"))
	}
}

func TestAPIAuditPages(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	for i := range 12 {
		s.user(fmt.Sprintf("u%02d", i), false, false)
	}
	root := s.token("root")
	var all api.EventPage
	if st := s.apiCall(root, "GET", "/api/v1/audit?action=user.create", "", &all); st != 200 || len(all.Events) != 13 || all.Next != "" {
		t.Fatalf("all: %d, %d events, next %q", st, len(all.Events), all.Next)
	}
	var got []api.Event
	next, calls := "0", 0
	for next != "" {
		var page api.EventPage
		if st := s.apiCall(root, "GET", "/api/v1/audit?action=user.create&page=5&after="+next, "", &page); st != 200 {
			t.Fatalf("page after %s: %d", next, st)
		}
		got = append(got, page.Events...)
		next = page.Next
		if calls++; calls > 5 {
			t.Fatal("the pages do not end")
		}
	}
	if len(got) != len(all.Events) || got[0].Seq != all.Events[0].Seq || got[len(got)-1].Seq != all.Events[12].Seq {
		t.Fatalf("pages gave %d events, want the %d of one call in the same order", len(got), len(all.Events))
	}
	var newest api.EventPage
	if st := s.apiCall(root, "GET", "/api/v1/audit?action=user.create&limit=3", "", &newest); st != 200 || len(newest.Events) != 3 || newest.Events[2].Seq != all.Events[12].Seq {
		t.Fatalf("newest 3: %d %+v", st, newest)
	}
	// Without limit or page, one default page and where to go on.
	for range defaultEventPage {
		if _, err := s.svc.Check(context.Background(), socket, "root", "acme/none", auth.ActionRead); err != nil {
			t.Fatal(err)
		}
	}
	var first api.EventPage
	if st := s.apiCall(root, "GET", "/api/v1/audit", "", &first); st != 200 || len(first.Events) != defaultEventPage || first.Next == "" {
		t.Fatalf("no paging asked: %d, %d events, next %q", st, len(first.Events), first.Next)
	}
	var rest api.EventPage
	if st := s.apiCall(root, "GET", "/api/v1/audit?after="+first.Next, "", &rest); st != 200 || len(rest.Events) == 0 || rest.Events[0].Seq <= first.Events[len(first.Events)-1].Seq {
		t.Fatalf("the page after next: %d, %d events", st, len(rest.Events))
	}
	var bad struct{ Error string }
	if st := s.apiCall(root, "GET", "/api/v1/audit?result=maybe", "", &bad); st != http.StatusBadRequest || !strings.Contains(bad.Error, "result") {
		t.Errorf("result=maybe: %d %q", st, bad.Error)
	}
	var e struct{ Error string }
	if st := s.apiCall(root, "GET", "/api/v1/audit?after=-1", "", &e); st != http.StatusBadRequest {
		t.Errorf("after=-1: %d", st)
	}
}
