package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jitgit/jitgit/audit"
)

// Metrics counts audit events by action, result and transport and serves
// them in the Prometheus text format. It watches the audit log, so it
// counts exactly what the audit trail records and adds nothing to the
// decision path.
type Metrics struct {
	started time.Time
	mu      sync.Mutex
	events  map[metricKey]uint64
}

type metricKey struct{ action, result, transport string }

// NewMetrics returns empty counters; pass Record to audit.Log.Watch.
func NewMetrics(now time.Time) *Metrics {
	return &Metrics{started: now, events: make(map[metricKey]uint64)}
}

// Record counts one stored audit event.
func (m *Metrics) Record(e audit.Event) {
	m.mu.Lock()
	m.events[metricKey{e.Action, e.Result, e.Transport}]++
	m.mu.Unlock()
}

// write renders the counters in the Prometheus text exposition format.
func (m *Metrics) write(w *strings.Builder) {
	m.mu.Lock()
	keys := make([]metricKey, 0, len(m.events))
	for k := range m.events {
		keys = append(keys, k)
	}
	counts := make(map[metricKey]uint64, len(keys))
	for _, k := range keys {
		counts[k] = m.events[k]
	}
	m.mu.Unlock()
	slices.SortFunc(keys, func(a, b metricKey) int {
		return strings.Compare(a.action+"\x00"+a.result+"\x00"+a.transport, b.action+"\x00"+b.result+"\x00"+b.transport)
	})
	fmt.Fprintln(w, "# HELP jitgit_audit_events_total Audit events recorded since start, by action, result and transport.")
	fmt.Fprintln(w, "# TYPE jitgit_audit_events_total counter")
	for _, k := range keys {
		fmt.Fprintf(w, "jitgit_audit_events_total{action=%q,result=%q,transport=%q} %d\n", k.action, k.result, k.transport, counts[k])
	}
	fmt.Fprintln(w, "# HELP jitgit_start_time_seconds When the server started, as a Unix time.")
	fmt.Fprintln(w, "# TYPE jitgit_start_time_seconds gauge")
	fmt.Fprintf(w, "jitgit_start_time_seconds %d\n", m.started.Unix())
}

// metrics serves the counters to administrators (a bearer token, or the
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
		var b strings.Builder
		h.opts.Metrics.write(&b)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(b.String()))
	})
}
