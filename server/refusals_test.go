package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestHTTPFailedAuthOnRecordNoSecretInLog: every failed Git HTTP
// authentication (empty, wrong, expired, revoked) is a deny in the audit
// trail, and neither the log nor the trail shows a password or token typed
// in the user-name field.
func TestHTTPFailedAuthOnRecordNoSecretInLog(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	ctx := context.Background()
	logs := &syncBuffer{}
	h := NewHTTP(HTTPConfig{PublicURL: publicURL}, s.auth.Svc, s.repos, s.run, slog.New(slog.NewTextHandler(logs, nil)))
	expiring, _, err := s.auth.Svc.CreateToken(ctx, s.auth.Admin, "bob", "short", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s.auth.Clock.Advance(2 * time.Minute)
	revoked := s.auth.tokens["carol"]
	if err := s.auth.Svc.RevokeToken(ctx, s.auth.Admin, "carol", s.auth.tokenIDs["carol"]); err != nil {
		t.Fatal(err)
	}
	leaked := "jg_" + strings.Repeat("LeakedToken9", 4)
	cases := []struct {
		what string
		hdr  http.Header
	}{
		{"empty", http.Header{"Authorization": {"Basic "}}},
		{"wrong", basic("alice", "jg_"+strings.Repeat("0", 43))},
		{"expired", basic("bob", expiring)},
		{"revoked", basic("carol", revoked)},
		{"token as the name", basic(leaked, "x")},
		{"password as the name", basic("my-secret-password", "x")},
	}
	for i, c := range cases {
		req := httptest.NewRequest("GET", "/acme/payments.git/info/refs?service=git-upload-pack", nil)
		req.Header = c.hdr
		// One address each, so that no two fold into one event.
		req.RemoteAddr = "192.0.2." + string(rune('1'+i)) + ":5000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized {
			t.Errorf("%s: %d", c.what, rec.Code)
		}
	}
	evs := s.auth.events("anonymous", "auth.http")
	if len(evs) != len(cases) {
		t.Fatalf("%d refusals on record for %d failed authentications: %+v", len(evs), len(cases), evs)
	}
	for _, ev := range evs {
		if ev.Result != "deny" || ev.Repo != "acme/payments" || ev.Transport != "http" {
			t.Errorf("refusal: %+v", ev)
		}
	}
	if evs[2].Target != "bob" || evs[3].Target != "carol" {
		t.Errorf("existing users not named: %q %q", evs[2].Target, evs[3].Target)
	}
	for _, secret := range []string{leaked, "my-secret-password", expiring, revoked} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log holds %q:\n%s", secret, logs.String())
		}
		for _, ev := range evs {
			if strings.Contains(ev.Target+ev.Detail, secret) {
				t.Errorf("audit event holds %q: %+v", secret, ev)
			}
		}
	}
}

// TestSSHRefusedCommandsOnRecord: a refused SSH command is a deny in the
// audit trail with the command escaped, and a flood of the same one is a
// single event.
func TestSSHRefusedCommandsOnRecord(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	c := s.client("alice")
	for range 5 {
		run(t, c, nil, "sh -c id", "")
	}
	run(t, c, nil, "git-upload-pack 'acme/x\u009b31m\u202e'", "")
	evs := s.auth.events("alice", "ssh.command")
	if len(evs) != 2 {
		t.Fatalf("%d events for 6 refused commands of 2 kinds: %+v", len(evs), evs)
	}
	if evs[0].Result != "deny" || !strings.Contains(evs[0].Detail, "sh -c id") {
		t.Errorf("first refusal: %+v", evs[0])
	}
	if d := evs[1].Detail; !strings.Contains(d, `\u009b31m\u202e`) || strings.ContainsAny(d, "\u009b\u202e") {
		t.Errorf("command not escaped: %q", d)
	}
}
