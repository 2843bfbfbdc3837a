package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
)

// memRecorder keeps what is recorded.
type memRecorder struct {
	mu  sync.Mutex
	evs []audit.Event
}

func (m *memRecorder) Record(_ context.Context, ev audit.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.evs = append(m.evs, ev)
	return nil
}

func (m *memRecorder) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.evs)
}

// TestFolderFoldsAFlood: identical refusals from one address are one event
// at once and one count when the window ends; another address or another
// refusal is its own event; past the per-window budget everything is one
// summary, so a flood from many addresses writes a bounded number of events.
func TestFolderFoldsAFlood(t *testing.T) {
	now := time.Unix(1000, 0)
	rec := &memRecorder{}
	f := audit.NewFolder(rec, time.Minute, 50, func() time.Time { return now })
	ctx := context.Background()
	deny := func(remote, detail string) audit.Event {
		return audit.Event{Actor: "anonymous", Remote: remote, Action: "auth.http", Result: "deny", Detail: detail}
	}
	for i := range 1000 {
		f.Record(ctx, deny(fmt.Sprintf("10.0.0.1:%d", 1000+i), "wrong password"))
	}
	f.Record(ctx, deny("10.0.0.2:1", "wrong password"))
	f.Record(ctx, deny("10.0.0.1:1", "malformed"))
	if n := rec.len(); n != 3 {
		t.Fatalf("%d events for 1,002 refusals of 3 kinds, want 3", n)
	}
	now = now.Add(time.Minute)
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := rec.len(); n != 4 || !strings.Contains(rec.evs[3].Detail, "999 more like this") || rec.evs[3].Result != "deny" {
		t.Fatalf("after the window: %d events, last %+v", n, rec.evs[len(rec.evs)-1])
	}
	// 10,000 addresses in one window: at most the budget plus one summary.
	before := rec.len()
	for i := range 10000 {
		f.Record(ctx, deny(fmt.Sprintf("10.%d.%d.%d:5", i>>16, i>>8&255, i&255), "wrong password"))
	}
	now = now.Add(time.Minute)
	f.Flush(ctx)
	if n := rec.len() - before; n != 51 {
		t.Fatalf("%d events for 10,000 addresses, want 50 + 1 summary", n)
	}
	last := rec.evs[len(rec.evs)-1]
	if !strings.Contains(last.Detail, "9950 more like this from 9950 addresses") {
		t.Fatalf("summary: %+v", last)
	}
}

// TestFolderRunRecordsTheOpenWindow: what was counted is recorded when the
// folder stops, not lost.
func TestFolderRunRecordsTheOpenWindow(t *testing.T) {
	rec := &memRecorder{}
	f := audit.NewFolder(rec, time.Hour, 0, time.Now)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	for range 3 {
		f.Record(context.Background(), audit.Event{Remote: "10.0.0.1:1", Action: "ssh.command", Result: "deny"})
	}
	cancel()
	<-done
	if n := rec.len(); n != 2 || !strings.Contains(rec.evs[1].Detail, "2 more like this") {
		t.Fatalf("%d events: %+v", n, rec.evs)
	}
}
