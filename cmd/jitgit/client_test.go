package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientSaysWhenAnAnswerIsTooLarge: an answer past the client's bound
// is an error that says so and what to do, not a JSON error that blames
// the versions.
func TestClientSaysWhenAnAnswerIsTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "[")
		chunk := strings.Repeat(`{"id":"g_0123456789"},`, 1<<14)
		for n := 0; n <= maxAnswer; n += len(chunk) {
			io.WriteString(w, chunk)
		}
		io.WriteString(w, `{}]`)
	}))
	defer srv.Close()
	a := &apiClient{http: srv.Client(), base: srv.URL, where: srv.URL}
	var out []map[string]string
	err := a.call(context.Background(), "GET", "/api/v1/grants", nil, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") || strings.Contains(err.Error(), "version") {
		t.Fatalf("err = %v, want it to say the answer is larger than 64 MiB", err)
	}
}
