package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// scrape reads the metrics page with the Prometheus text parser.
func scrape(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("metrics do not parse: %v\n%s", err, body)
	}
	return fams
}

func TestMetricsForAdministrators(t *testing.T) {
	m := NewMetrics(time.Unix(1700000000, 0))
	s := newStack(t, Options{Metrics: m})
	s.svc.ObserveDecisions(m.ObserveDecision)
	m.SetSources(MetricsSources{GitRunning: func() int64 { return 2 }, AuditLate: func() int64 { return 0 },
		Webhooks: func(context.Context) ([]WebhookStats, error) {
			return []WebhookStats{{Receiver: "chat", Behind: 7, Oldest: time.Now().Add(-time.Minute), Failures: 3}}, nil
		}})
	s.user("root", false, true)
	s.user("alice", false, false)
	s.repo("acme/app")
	if _, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: "user:alice", Repo: "acme/app", Level: auth.LevelRead, Duration: time.Hour, Reason: "x"}); err != nil {
		t.Fatal(err)
	}
	alice, err := s.svc.IdentityOf(context.Background(), "alice", auth.MethodToken)
	if err != nil {
		t.Fatal(err)
	}
	alice.Transport = "http"
	for range 3 {
		s.svc.Authorize(context.Background(), alice, "acme/app", auth.ActionRead)
	}
	s.svc.Authorize(context.Background(), alice, "acme/app", auth.ActionWrite)
	m.ObserveGit("http", "git-upload-pack", 100, 5000, 0, 20*time.Millisecond)

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
	fams := scrape(t, body)
	h := fams["jitgit_decision_duration_seconds"]
	if h == nil || h.GetType() != dto.MetricType_HISTOGRAM || len(h.Metric) != 1 {
		t.Fatalf("decision histogram: %v", h)
	}
	if n := h.Metric[0].GetHistogram().GetSampleCount(); n != 4 {
		t.Errorf("decision histogram counted %d, want 4", n)
	}
	value := func(name string, labels ...string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s", name)
		}
	next:
		for _, mt := range f.Metric {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range mt.Label {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue()
			case mt.Gauge != nil:
				return mt.Gauge.GetValue()
			}
		}
		t.Fatalf("%s%v: no such series", name, labels)
		return 0
	}
	for _, c := range []struct {
		got, want float64
		what      string
	}{
		{value("jitgit_decisions_total", "result", "allow", "transport", "http"), 3, "allowed decisions"},
		{value("jitgit_decisions_total", "result", "deny", "transport", "http"), 1, "denied decisions"},
		{value("jitgit_audit_events_total", "action", "user.create", "result", "ok"), 2, "user.create events"},
		{value("jitgit_grants_active"), 1, "active grants"},
		{value("jitgit_requests_pending"), 0, "pending requests"},
		{value("jitgit_git_processes_running"), 2, "git processes"},
		{value("jitgit_git_bytes_total", "direction", "out"), 5000, "bytes out"},
		{value("jitgit_webhook_queue_depth", "receiver", "chat"), 7, "queue depth"},
		{value("jitgit_webhook_delivery_failures_total", "receiver", "chat"), 3, "delivery failures"},
		{value("jitgit_start_time_seconds"), 1700000000, "start time"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if age := value("jitgit_webhook_oldest_undelivered_age_seconds", "receiver", "chat"); age < 59 || age > 120 {
		t.Errorf("oldest undelivered age %v, want about 60", age)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "jitgit_audit_write_duration_seconds"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
}

// TestMetricsHandlerWithoutAuth is the page of a listener of its own.
func TestMetricsHandlerWithoutAuth(t *testing.T) {
	m := NewMetrics(time.Now())
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if fams := scrape(t, string(b)); fams["jitgit_start_time_seconds"] == nil {
		t.Errorf("no start time in\n%s", b)
	}
}
