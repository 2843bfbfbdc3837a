package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestFlashShownOnceToItsSession: the result of a form is shown on the
// next page of the browser that sent it, once; a pasted link, another
// session, or a reload shows nothing.
func TestFlashShownOnceToItsSession(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	alice, bob := s.client(), s.client()
	alice.signIn("alice")
	bob.signIn("bob")

	id := alice.ask("acme/payments", "read", "1h", "look")
	const filed = "Your request is filed"
	if _, body := alice.get("/requests/" + id); !strings.Contains(body, filed) {
		t.Fatalf("requester does not see the flash:\n%s", body)
	}
	if _, body := alice.get("/requests/" + id); strings.Contains(body, filed) {
		t.Fatal("the flash shows again on reload")
	}
	// The old way to ask for a notice: a query anyone can paste.
	if _, body := bob.get("/requests/" + id + "?done=requested"); strings.Contains(body, filed) {
		t.Fatal("a crafted link shows a flash")
	}

	// alice's flash cookie replayed in bob's browser shows nothing.
	res, _ := alice.post("/requests/"+id+"/cancel", nil)
	var flash *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == flashCookie {
			flash = c
		}
	}
	if flash == nil || flash.MaxAge <= 0 {
		t.Fatalf("cancel set no flash: %v", res.Cookies())
	}
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/requests/"+id, nil)
	req.AddCookie(flash)
	if _, body := bob.do(req); strings.Contains(body, "Request cancelled") {
		t.Fatal("another session shows alice's flash")
	}
	if _, body := alice.get("/requests/" + id); !strings.Contains(body, "Request cancelled") {
		t.Fatalf("alice does not see her flash:\n%s", body)
	}

	// After sign-out there is no session to bind to; the sign-in page
	// still says so, once.
	alice.get("/")
	alice.post("/signout", nil)
	if _, body := alice.get("/signin"); !strings.Contains(body, "You are signed out") {
		t.Fatalf("no sign-out notice:\n%s", body)
	}
	if _, body := alice.get("/signin"); strings.Contains(body, "You are signed out") {
		t.Fatal("sign-out notice again")
	}
}
