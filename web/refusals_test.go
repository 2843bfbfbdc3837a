package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/service"
)

// TestAPIFailedAuthOnRecord: failed API authentications (a wrong bearer
// token, a revoked one, Basic with a password typed as the name) are
// denies in the audit trail, and the typed name is not.
func TestAPIFailedAuthOnRecord(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	tok := s.token("alice")
	if code := s.apiCall(tok, "GET", "/api/v1/grants", "", nil); code != http.StatusOK {
		t.Fatalf("good token: %d", code)
	}
	ts, err := s.svc.ListTokens(context.Background(), socket, "alice")
	if err != nil || len(ts) != 1 {
		t.Fatal(ts, err)
	}
	if err := s.svc.RevokeToken(context.Background(), socket, "alice", ts[0].ID); err != nil {
		t.Fatal(err)
	}
	s.apiCall("jg_"+strings.Repeat("W", 43), "GET", "/api/v1/grants", "", nil)
	s.apiCall(tok, "GET", "/api/v1/requests", "", nil)
	req := httptest.NewRequest("GET", "/api/v1/grants", nil)
	req.SetBasicAuth("hunter2-is-my-password", "x")
	req.RemoteAddr = "192.0.2.1:1"
	s.h.ServeHTTP(httptest.NewRecorder(), req)
	evs, err := s.svc.Events(t.Context(), socket, service.EventFilter{Action: "auth.api"})
	if err != nil || len(evs) != 3 {
		t.Fatalf("%d refusals on record for 3 failed authentications: %+v %v", len(evs), evs, err)
	}
	for _, ev := range evs {
		if ev.Result != "deny" || !strings.HasPrefix(ev.Detail, "GET /api/v1/") {
			t.Errorf("refusal: %+v", ev)
		}
		if strings.Contains(ev.Target+ev.Detail, "hunter2") || strings.Contains(ev.Target+ev.Detail, tok) {
			t.Errorf("secret on record: %+v", ev)
		}
	}
}

// TestAuditPageEscapesUnprintable: a control character or bidi override
// already in the trail is shown escaped on the audit page.
func TestAuditPageEscapesUnprintable(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	if err := s.svc.RecordRefusal(context.Background(), service.Refusal{Action: "auth.http", Transport: "http", Remote: "192.0.2.1:1",
		Reason: "evil\u202eexe.txt \u009b31m"}); err != nil {
		t.Fatal(err)
	}
	c := s.client()
	c.signIn("root")
	_, body := c.get("/admin/audit")
	if strings.ContainsAny(body, "\u202e\u009b") || !strings.Contains(body, `evil\u202eexe.txt \u009b31m`) {
		t.Fatalf("audit page shows the raw characters or drops them:\n%s", body)
	}
}
