package web

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// Metrics are the server's Prometheus metrics, in a registry of their own.
// Counters count from the start of the process; the gauges of what is
// stored (grants, requests, mirrors, the webhook outbox) are computed from
// the store at each scrape, so they are right after a restart.
type Metrics struct {
	reg     *prometheus.Registry
	started time.Time
	now     func() time.Time

	events          *prometheus.CounterVec
	decisions       *prometheus.CounterVec
	decisionSeconds *prometheus.HistogramVec
	auditSeconds    prometheus.Histogram
	auditFailures   prometheus.Counter
	gitOps          *prometheus.CounterVec
	gitBytes        *prometheus.CounterVec
	gitSeconds      *prometheus.HistogramVec
	responses       httpResponses

	sources MetricsSources
}

// MetricsSources are where the gauges come from; nil fields are left out.
type MetricsSources struct {
	// Service counts grants, requests and mirrors (set by New from
	// Options.Service when empty).
	Service *service.Service
	// GitRunning is how many git processes run now.
	GitRunning func() int64
	// AuditLate is how many audit writes missed their deadline.
	AuditLate func() int64
	// Webhooks is where each receiver's outbox stands.
	Webhooks func(context.Context) ([]WebhookStats, error)
}

// WebhookStats is one receiver's outbox, for metrics.
type WebhookStats struct {
	Receiver string
	Behind   uint64    // events of the trail after its cursor
	Oldest   time.Time // the oldest wanted event not delivered; zero: none
	Failures int64     // failed attempts since start
}

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

// NewMetrics returns the metrics of a server started at started, with the
// Go runtime and process collectors.
func NewMetrics(started time.Time) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), started: started, now: time.Now}
	m.events = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jitgit_audit_events_total",
		Help: "Audit events recorded since start, by action, result and transport."}, []string{"action", "result", "transport"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jitgit_decisions_total",
		Help: "Access decisions since start, by result (allow, deny) and transport."}, []string{"result", "transport"})
	m.decisionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jitgit_decision_duration_seconds",
		Help:    "How long an access decision took, its audit write included, by transport.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"transport"})
	m.auditSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "jitgit_audit_write_duration_seconds",
		Help: "How long one durable append of a batch of audit events took.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	m.auditFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "jitgit_audit_write_failures_total",
		Help: "Appends of audit events that failed since start."})
	m.gitOps = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jitgit_git_operations_total",
		Help: "Git processes run since start, by transport, service and result (ok, error)."}, []string{"transport", "service", "result"})
	m.gitBytes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jitgit_git_bytes_total",
		Help: "Bytes of Git operations since start, by transport, service and direction (in: from the client)."}, []string{"transport", "service", "direction"})
	m.gitSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "jitgit_git_operation_duration_seconds",
		Help: "How long a git process ran, by transport and service.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}, []string{"transport", "service"})
	m.responses = newHTTPResponses()
	m.reg.MustRegister(m.events, m.decisions, m.decisionSeconds, m.auditSeconds, m.auditFailures, m.gitOps, m.gitBytes, m.gitSeconds, m.responses,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "jitgit_start_time_seconds", Help: "When the server started, as a Unix time."},
			func() float64 { return float64(started.Unix()) }),
		storeGauges{m})
	return m
}

// SetSources sets where the gauges come from. Call it before serving.
func (m *Metrics) SetSources(s MetricsSources) {
	if s.Service == nil {
		s.Service = m.sources.Service
	}
	m.sources = s
}

// SetClock sets the clock of the age gauges (time.Now).
func (m *Metrics) SetClock(now func() time.Time) { m.now = now }

// Record counts one stored audit event; pass it to audit.Log.Watch.
func (m *Metrics) Record(e audit.Event) {
	m.events.WithLabelValues(e.Action, e.Result, e.Transport).Inc()
}

// ObserveDecision counts one decision and its latency; pass it to
// service.Service.ObserveDecisions.
func (m *Metrics) ObserveDecision(who auth.Identity, d auth.Decision, took time.Duration) {
	result := "deny"
	if d.Allowed {
		result = "allow"
	}
	m.decisions.WithLabelValues(result, label(who.Transport)).Inc()
	m.decisionSeconds.WithLabelValues(label(who.Transport)).Observe(took.Seconds())
}

// ObserveGit counts one finished git process.
func (m *Metrics) ObserveGit(transport, svc string, in, out int64, exit int, took time.Duration) {
	result := "ok"
	if exit != 0 {
		result = "error"
	}
	transport = label(transport)
	m.gitOps.WithLabelValues(transport, svc, result).Inc()
	m.gitBytes.WithLabelValues(transport, svc, "in").Add(float64(in))
	m.gitBytes.WithLabelValues(transport, svc, "out").Add(float64(out))
	m.gitSeconds.WithLabelValues(transport, svc).Observe(took.Seconds())
}

func label(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Appender wraps the audit trail's store so that every append is timed
// and every failure counted; give it to audit.NewLog.
func (m *Metrics) Appender(a audit.Appender) audit.Appender { return timedAppender{a, m} }

type timedAppender struct {
	audit.Appender
	m *Metrics
}

func (t timedAppender) AppendEvents(ctx context.Context, evs []audit.Event) ([]audit.Event, error) {
	start := time.Now()
	out, err := t.Appender.AppendEvents(ctx, evs)
	t.m.auditSeconds.Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.auditFailures.Inc()
	}
	return out, err
}

// Handler serves the metrics in the Prometheus exposition format, with no
// check of who asks: for a listener of its own on a private network.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Timeout: 10 * time.Second, MaxRequestsInFlight: 4})
}

// storeGauges computes the gauges of what is stored at each scrape.
type storeGauges struct{ m *Metrics }

var (
	descGrants     = prometheus.NewDesc("jitgit_grants_active", "Grants in force now.", nil, nil)
	descPending    = prometheus.NewDesc("jitgit_requests_pending", "Requests waiting for a decision.", nil, nil)
	descMirrorAge  = prometheus.NewDesc("jitgit_mirror_last_success_age_seconds", "Seconds since the last successful fetch of each mirror (absent before its first).", []string{"mirror"}, nil)
	descMirrorOK   = prometheus.NewDesc("jitgit_mirror_last_sync_ok", "1 when the last fetch of a mirror succeeded, 0 when it failed.", []string{"mirror"}, nil)
	descRunning    = prometheus.NewDesc("jitgit_git_processes_running", "Git processes running now.", nil, nil)
	descAuditLate  = prometheus.NewDesc("jitgit_audit_deadline_missed_total", "Audit writes that missed their deadline since start.", nil, nil)
	descQueue      = prometheus.NewDesc("jitgit_webhook_queue_depth", "Events of the audit trail after a receiver's cursor.", []string{"receiver"}, nil)
	descOldest     = prometheus.NewDesc("jitgit_webhook_oldest_undelivered_age_seconds", "Age of the oldest event a receiver wants and has not got (0: none).", []string{"receiver"}, nil)
	descWHFailures = prometheus.NewDesc("jitgit_webhook_delivery_failures_total", "Failed delivery attempts since start.", []string{"receiver"}, nil)
	descScrapeErr  = prometheus.NewDesc("jitgit_metrics_store_errors", "1 when the store could not be read for this scrape's gauges.", nil, nil)
)

func (storeGauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descGrants, descPending, descMirrorAge, descMirrorOK, descRunning, descAuditLate, descQueue, descOldest, descWHFailures, descScrapeErr} {
		ch <- d
	}
}

func (g storeGauges) Collect(ch chan<- prometheus.Metric) {
	src, now := g.m.sources, g.m.now()
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := 0.0
	if src.Service != nil {
		gs, err := src.Service.Gauges(ctx)
		if err != nil {
			failed = 1
		} else {
			ch <- prometheus.MustNewConstMetric(descGrants, prometheus.GaugeValue, float64(gs.ActiveGrants))
			ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(gs.PendingRequests))
			for _, r := range gs.Mirrors {
				if r.LastSync.IsZero() {
					continue
				}
				ok := 0.0
				if r.SyncResult != "error" {
					ok = 1
					ch <- prometheus.MustNewConstMetric(descMirrorAge, prometheus.GaugeValue, now.Sub(r.LastSync).Seconds(), r.Name)
				}
				ch <- prometheus.MustNewConstMetric(descMirrorOK, prometheus.GaugeValue, ok, r.Name)
			}
		}
	}
	if src.GitRunning != nil {
		ch <- prometheus.MustNewConstMetric(descRunning, prometheus.GaugeValue, float64(src.GitRunning()))
	}
	if src.AuditLate != nil {
		ch <- prometheus.MustNewConstMetric(descAuditLate, prometheus.CounterValue, float64(src.AuditLate()))
	}
	if src.Webhooks != nil {
		ws, err := src.Webhooks(ctx)
		if err != nil {
			failed = 1
		}
		for _, w := range ws {
			ch <- prometheus.MustNewConstMetric(descQueue, prometheus.GaugeValue, float64(w.Behind), w.Receiver)
			age := 0.0
			if !w.Oldest.IsZero() {
				age = max(0, now.Sub(w.Oldest).Seconds())
			}
			ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, w.Receiver)
			ch <- prometheus.MustNewConstMetric(descWHFailures, prometheus.CounterValue, float64(w.Failures), w.Receiver)
		}
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErr, prometheus.GaugeValue, failed)
}

// metrics serves the metrics to administrators (a bearer token, or the
// unix socket).
func (h *Handler) metrics(identify identifyFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := adminOf(identify, r, "reading metrics"); err != nil {
			http.Error(w, err.Error(), apiStatus(err))
			return
		}
		if h.opts.Metrics == nil {
			http.Error(w, "metrics are off", http.StatusNotFound)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h.opts.Metrics.Handler().ServeHTTP(w, r)
	})
}
