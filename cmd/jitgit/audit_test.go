package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
)

// TestAuditListStopsWhenTheServerDoesNotPage: a server that does not know
// page and after answers every call with the whole trail; the CLI must not
// print it again and again.
func TestAuditListStopsWhenTheServerDoesNotPage(t *testing.T) {
	evs := make([]audit.Event, 6000)
	for i := range evs {
		evs[i] = audit.Event{Seq: uint64(i + 1), Time: time.Unix(int64(i), 0).UTC(), Actor: "alice", Action: "access.read", Result: "allow"}
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 3 {
			http.Error(w, `{"error":"enough"}`, http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(evs)
	}))
	defer srv.Close()
	app := newApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := app.RunContext(ctx, []string{"jitgit", "--server", srv.URL, "--token", "jg_x", "audit", "list", "--json"})
	if n := calls.Load(); n > 2 {
		t.Errorf("the CLI asked %d times for the same trail", n)
	}
	if err == nil {
		t.Error("no error for a server that repeats events")
	}
	if n := strings.Count(out.String(), `"seq": 1,`); n > 1 {
		t.Errorf("event 1 printed %d times", n)
	}
}
