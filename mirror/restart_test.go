package mirror

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/service"
)

// TestSchedulerRunsAgainAfterItStopped: on a cluster the scheduler stops
// when this node loses the lead and runs again when it regains it; the
// second run fetches as the first did, and a fetch through the API works
// between the two.
func TestSchedulerRunsAgainAfterItStopped(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	url, work := f.upstream("up")
	f.shift = 2 * time.Hour
	if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/up", Upstream: url}, f.m); err != nil {
		t.Fatal(err)
	}
	run := func() {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { f.m.Run(runCtx); close(done) }()
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
	run()
	// Between two leaderships: a fetch asked for through the API runs.
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "two")
	f.git(work, "push", "--quiet", strings.TrimPrefix(url, "file://"), "trunk")
	if _, err := f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m); err != nil {
		t.Fatalf("fetch after the scheduler stopped: %v", err)
	}
	if got, want := f.refs("mirrors/up")["refs/heads/trunk"], f.git(work, "rev-parse", "HEAD"); got != want {
		t.Fatalf("trunk at %s, want %s", got, want)
	}
	// Leading again: the schedule fetches what became due.
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "three")
	f.git(work, "push", "--quiet", strings.TrimPrefix(url, "file://"), "trunk")
	want := f.git(work, "rev-parse", "HEAD")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.m.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(20 * time.Second)
	for f.refs("mirrors/up")["refs/heads/trunk"] != want {
		if time.Now().After(deadline) {
			t.Fatal("the scheduler run a second time did not fetch the due mirror")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
