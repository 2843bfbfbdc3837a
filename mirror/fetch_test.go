package mirror

import (
	"context"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/service"
)

func TestMirrorRecordsRewrittenRefs(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	url, work := f.upstream("up")
	if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/up", Upstream: url}, f.m); err != nil {
		t.Fatal(err)
	}
	// The upstream's trunk is replaced by another history; a tag is new.
	f.git(work, "commit", "--quiet", "--amend", "--allow-empty", "-m", "one, rewritten")
	f.git(work, "tag", "v2")
	f.git(work, "push", "--quiet", "--force", strings.TrimPrefix(url, "file://"), "trunk", "v2")
	r, err := f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m)
	if err != nil {
		t.Fatal(err)
	}
	if r.SyncUpdated != 2 || r.SyncRewritten != 1 {
		t.Fatalf("after a force-push: %d updated, %d rewritten; want 2 and 1", r.SyncUpdated, r.SyncRewritten)
	}
	if got, want := f.refs("mirrors/up")["refs/heads/trunk"], f.git(work, "rev-parse", "HEAD"); got != want {
		t.Fatalf("trunk %s, want the rewritten %s", got, want)
	}
	evs, err := f.svc.Events(ctx, f.admin, service.EventFilter{Action: "repo.sync"})
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Detail != "2 refs updated, 1 refs rewritten" {
		t.Fatalf("audit %+v, %v", evs, err)
	}
}

// TestMirrorPurgesAfterARewrite: with AfterRewrite set (purge_after_rewrite
// in the config), a fetch that follows a force-pushed upstream purges the
// mirror, so the commit the upstream dropped is gone from it; a fetch that
// only moves refs forward does not.
func TestMirrorPurgesAfterARewrite(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	var purged []string
	f.m.after = func(ctx context.Context, name string) {
		purged = append(purged, name)
		if _, err := f.svc.PurgeRepo(ctx, f.admin, name, f.repos); err != nil {
			t.Errorf("purge %s: %v", name, err)
		}
	}
	url, work := f.upstream("up")
	if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/up", Upstream: url}, f.m); err != nil {
		t.Fatal(err)
	}
	p, _ := f.repos.Path("mirrors/up")
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "leaked")
	leaked := f.git(work, "rev-parse", "HEAD")
	upBare := strings.TrimPrefix(url, "file://")
	f.git(work, "push", "--quiet", upBare, "trunk")
	if _, err := f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m); err != nil {
		t.Fatal(err)
	}
	if len(purged) != 0 {
		t.Fatalf("a fast-forward fetch purged %v", purged)
	}
	f.git(p, "cat-file", "-e", leaked) // fetched
	f.git(work, "reset", "--quiet", "--hard", "HEAD~1")
	f.git(work, "push", "--quiet", "--force", upBare, "trunk")
	if _, err := f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m); err != nil {
		t.Fatal(err)
	}
	if len(purged) != 1 || purged[0] != "mirrors/up" {
		t.Fatalf("purged %v after the rewrite, want mirrors/up once", purged)
	}
	cmd := exec.Command("git", "cat-file", "-e", leaked)
	cmd.Dir = p
	if err := cmd.Run(); err == nil {
		t.Fatalf("the dropped commit %s is still in the mirror after the purge", leaked)
	}
}

// hungUpstream accepts connections and never answers.
func hungUpstream(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return "http://" + ln.Addr().String() + "/hung.git"
}

func TestHungUpstreamDelaysNoOther(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	m, err := NewMirrors(MirrorsConfig{Launcher: f.m.git, AllowLocal: true, MaxParallel: 2, Timeout: 3 * time.Second, Tick: 20 * time.Millisecond}, f.svc, f.repos, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.shift = 2 * time.Hour // created two hours ago: all due when the scheduler starts
	url, _ := f.upstream("up")
	hung := hungUpstream(t)
	// Registered without the first fetch, so the scheduler makes them all.
	for _, n := range []string{"mirrors/hung", "mirrors/a", "mirrors/b", "mirrors/c"} {
		up := url
		if n == "mirrors/hung" {
			up = hung
		}
		if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: n, Upstream: up}, noFetch{}); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { m.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	status := func(name string) (string, string) {
		r, err := f.svc.Repo(ctx, f.admin, name)
		if err != nil {
			t.Fatal(err)
		}
		return r.SyncResult, r.SyncError
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		a, _ := status("mirrors/a")
		b, _ := status("mirrors/b")
		c, _ := status("mirrors/c")
		_, h := status("mirrors/hung")
		if a == "ok" && b == "ok" && c == "ok" {
			if h != "context canceled" {
				t.Fatalf("the hung upstream finished (%s) before the others: the test shows nothing", h)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other mirrors waited for the hung one: a=%q b=%q c=%q", a, b, c)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// And the hung fetch ends at its timeout, its process group killed.
	for {
		_, why := status("mirrors/hung")
		if why != "context canceled" {
			if !strings.HasPrefix(why, "timeout: ") {
				t.Fatalf("hung upstream recorded as %q", why)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hung fetch was not stopped by its timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noFetch is a MirrorFetcher that fetches nothing and fails, so a mirror is
// registered without its first fetch.
type noFetch struct{}

func (noFetch) Fetch(context.Context, service.FetchJob) (service.FetchResult, error) {
	return service.FetchResult{}, context.Canceled
}
func (noFetch) Discard(context.Context, string) error { return nil }

// TestMirrorUpdatesAllRefsOrNone makes one ref of a sync fail to update
// (its lock is taken): the other refs, which could move, stay too, so a
// client never sees a half-updated mirror.
func TestMirrorUpdatesAllRefsOrNone(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	url, work := f.upstream("up")
	if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/up", Upstream: url}, f.m); err != nil {
		t.Fatal(err)
	}
	before := f.refs("mirrors/up")
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "two")
	f.git(work, "push", "--quiet", strings.TrimPrefix(url, "file://"), "trunk", "trunk:dev")
	p, _ := f.repos.Path("mirrors/up")
	lock := filepath.Join(p, "refs", "heads", "dev.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m)
	if err == nil || r.SyncResult != "error" {
		t.Fatalf("a sync with a locked ref: %+v, %v", r, err)
	}
	if got := f.refs("mirrors/up"); !maps.Equal(got, before) {
		t.Fatalf("half a sync is visible: %v, was %v", got, before)
	}
	os.Remove(lock)
	if r, err = f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m); err != nil || r.SyncUpdated != 2 || r.Failures != 0 {
		t.Fatalf("the next sync: %+v, %v", r, err)
	}
}

// TestDiscardStopsARunningFetch deletes a mirror while its fetch hangs:
// the fetch is killed, and the files go.
func TestDiscardStopsARunningFetch(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	if err := f.repos.Init(ctx, "mirrors/hung"); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.m.Fetch(ctx, service.FetchJob{Name: "mirrors/hung", Upstream: hungUpstream(t)})
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		f.m.mu.Lock()
		_, busy := f.m.busy["mirrors/hung"]
		f.m.mu.Unlock()
		if busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fetch did not start")
		}
	}
	if err := f.m.Discard(ctx, "mirrors/hung"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the hung fetch succeeded")
	}
	if f.repos.Exists("mirrors/hung") {
		t.Fatal("the files outlive the delete")
	}
}
