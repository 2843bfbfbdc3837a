package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

// TestReadyz: 200 while the check passes; 503 naming the part that
// failed; /healthz stays 200 either way (it is liveness).
func TestReadyz(t *testing.T) {
	var failing error
	s := newStack(t, Options{Ready: func(context.Context) error { return failing }})
	get := func(path string) (int, string) {
		resp, err := http.Get(s.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := get("/readyz"); st != http.StatusOK || body != "ready\n" {
		t.Errorf("ready: %d %q", st, body)
	}
	failing = errors.New("shutting down")
	if st, body := get("/readyz"); st != http.StatusServiceUnavailable || body != "not ready: shutting down\n" {
		t.Errorf("not ready: %d %q", st, body)
	}
	if st, _ := get("/healthz"); st != http.StatusOK {
		t.Errorf("healthz while not ready: %d", st)
	}
}
