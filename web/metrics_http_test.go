package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestResponsesCountedByClass: the client's faults and the server's are
// counted apart, and an answer that never calls WriteHeader counts as 200.
func TestResponsesCountedByClass(t *testing.T) {
	m := NewMetrics(time.Now())
	h := m.CountResponses(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad":
			http.Error(w, "malformed pkt-line", http.StatusBadRequest)
		case "/broken":
			http.Error(w, "git failed on the server", http.StatusInternalServerError)
		default:
			w.Write([]byte("ok"))
		}
	}))
	for _, p := range []string{"/bad", "/bad", "/broken", "/", "/"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	mfs, err := m.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "jitgit_http_responses_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			got[mt.GetLabel()[0].GetValue()] = mt.GetCounter().GetValue()
		}
	}
	if got["4xx"] != 2 || got["5xx"] != 1 || got["2xx"] != 2 {
		t.Fatalf("responses by class = %v, want 2xx:2 4xx:2 5xx:1", got)
	}
}
