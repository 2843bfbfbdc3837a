package web

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// httpResponses counts the answers of the HTTP listener by class, so that
// a client's bad input (4xx) and the server's own faults (5xx) are told
// apart: a malformed pkt-line is the first, a git that failed the second.
type httpResponses struct{ *prometheus.CounterVec }

func newHTTPResponses() httpResponses {
	return httpResponses{prometheus.NewCounterVec(prometheus.CounterOpts{Name: "jitgit_http_responses_total",
		Help: "HTTP answers since start (Git, pages and API), by status class: 2xx, 3xx, 4xx (the client's fault), 5xx (the server's)."},
		[]string{"class"})}
}

// CountResponses wraps h so that every answer it gives is counted by its
// status class in jitgit_http_responses_total.
func (m *Metrics) CountResponses(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		code := sw.code
		if code == 0 {
			code = http.StatusOK
		}
		m.responses.WithLabelValues(strconv.Itoa(code/100) + "xx").Inc()
	})
}

// statusWriter remembers the status an answer was given.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// deadlines) through the wrapper.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
