package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRequestApproveFlow(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")

	res, body := alice.get("/requests/new?repo=acme/payments&access=write")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `value="acme/payments"`) || !strings.Contains(body, `value="write" checked`) {
		t.Fatalf("prefilled form: %d\n%s", res.StatusCode, body)
	}
	id := alice.ask("acme/payments", "write", "2h", "deploy the hotfix")

	_, body = bob.get("/approvals")
	if !strings.Contains(body, "deploy the hotfix") || !strings.Contains(body, "/requests/"+id+"/approve") {
		t.Fatalf("queue lacks the request:\n%s", body)
	}
	res, body = bob.post("/requests/"+id+"/approve", url.Values{"duration": {"1h"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, body)
	}
	_, body = alice.get("/")
	for _, want := range []string{"acme/payments", s.srv.URL + "/acme/payments.git", "ssh://git@127.0.0.1:2222/acme/payments.git", `class="countdown"`, "ends "} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	_, body = alice.get("/requests/" + id)
	if !strings.Contains(body, "bob approved for 1h") {
		t.Errorf("history lacks the review:\n%s", body)
	}
}

func TestOwnRequestCannotBeApproved(t *testing.T) {
	s := newStack(t, Options{})
	s.user("bob", true, false)
	s.repo("acme/payments")
	bob := s.client()
	bob.signIn("bob")
	id := bob.ask("acme/payments", "write", "1h", "my own change")
	_, body := bob.get("/requests/" + id)
	if strings.Contains(body, "/approve") || !strings.Contains(body, "someone else must approve") {
		t.Fatalf("own request offers approval:\n%s", body)
	}
	res, body := bob.post("/requests/"+id+"/approve", nil)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Nobody approves or denies their own request") {
		t.Fatalf("approving own request: %d\n%s", res.StatusCode, body)
	}
}

func TestDenyShowsReasonToRequester(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")
	id := alice.ask("acme/payments", "read", "1h", "curious")

	bob.get("/approvals")
	if res, body := bob.post("/requests/"+id+"/deny", url.Values{"reason": {""}}); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Reason is required") {
		t.Fatalf("deny without reason: %d\n%s", res.StatusCode, body)
	}
	if res, _ := bob.post("/requests/"+id+"/deny", url.Values{"reason": {"use the read-only mirror"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deny: %d", res.StatusCode)
	}
	_, body := alice.get("/requests/" + id)
	if !strings.Contains(body, "use the read-only mirror") || !strings.Contains(body, "s-denied") {
		t.Fatalf("requester does not see the reason:\n%s", body)
	}
}

func TestDurationBeyondLongestRefused(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	alice := s.client()
	alice.signIn("alice")
	alice.get("/requests/new")
	res, body := alice.post("/requests", url.Values{"repo": {"acme/payments"}, "access": {"write"}, "duration": {"8d"}, "reason": {"keep this text"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "longer than the longest allowed") || !strings.Contains(body, "keep this text") {
		t.Fatalf("8d request: %d\n%s", res.StatusCode, body)
	}
	rs, err := s.svc.ListRequests(t.Context(), overseer, authFilterAll)
	if err != nil || len(rs) != 0 {
		t.Fatalf("requests after refusal: %v %v", rs, err)
	}
}

func TestCancelAndRelinquish(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")

	id := alice.ask("acme/payments", "read", "1h", "look")
	if res, _ := alice.post("/requests/"+id+"/cancel", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	bob.get("/approvals")
	if res, body := bob.post("/requests/"+id+"/approve", nil); res.StatusCode != http.StatusConflict || !strings.Contains(body, "no longer pending") {
		t.Fatalf("approve cancelled: %d\n%s", res.StatusCode, body)
	}

	id = alice.ask("acme/payments", "read", "1h", "look again")
	bob.post("/requests/"+id+"/approve", nil)
	req, err := s.svc.Request(t.Context(), overseer, id)
	if err != nil || req.Grant == "" {
		t.Fatalf("no grant: %v %+v", err, req)
	}
	alice.get("/")
	if res, _ := alice.post("/grants/"+req.Grant+"/relinquish", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("relinquish: %d", res.StatusCode)
	}
	_, body := alice.get("/")
	if strings.Contains(body, "grant-"+req.Grant) || !strings.Contains(body, "Grant ended") {
		t.Fatalf("grant still shown:\n%s", body)
	}
}
