package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestMetricsForAdministrators(t *testing.T) {
	s := newStack(t, Options{Metrics: NewMetrics(time.Unix(1700000000, 0))})
	s.user("root", false, true)
	s.user("alice", false, false)
	get := func(token string) (int, string) {
		req, _ := http.NewRequest("GET", s.srv.URL+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get(""); st != http.StatusUnauthorized && st != http.StatusForbidden {
		t.Errorf("anonymous: %d", st)
	}
	if st, _ := get(s.token("alice")); st != http.StatusForbidden {
		t.Errorf("a user who is no admin: %d", st)
	}
	st, body := get(s.token("root"))
	if st != http.StatusOK {
		t.Fatalf("admin: %d %s", st, body)
	}
	for _, want := range []string{
		`jitgit_audit_events_total{action="user.create",result="ok",transport="cli"} 2`,
		`jitgit_audit_events_total{action="token.create",result="ok",transport="cli"}`,
		"jitgit_start_time_seconds 1700000000",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}
