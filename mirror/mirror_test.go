package mirror

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// mirrorFixture is a real access domain over an in-memory store, real
// repositories on disk and Mirrors with file:// upstreams allowed.
type mirrorFixture struct {
	t     testing.TB
	svc   *service.Service
	repos *server.Repos
	m     *Mirrors
	dir   string
	admin auth.Identity
	mu    sync.Mutex
	shift time.Duration // the domain's clock runs this far behind
}

func newMirrorFixture(t testing.TB) *mirrorFixture {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is missing; under CI these tests must run (apt-get install git)")
		}
		t.Skip("git not installed")
	}
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	f := &mirrorFixture{t: t, dir: t.TempDir(), admin: auth.LocalAdmin()}
	now := func() time.Time {
		f.mu.Lock()
		defer f.mu.Unlock()
		return time.Now().Add(-f.shift)
	}
	audit := audit.NewLog(db.Events(), now)
	t.Cleanup(func() { audit.Close(); db.Close() })
	git, err := gitexec.New(gitexec.Config{HooksDir: filepath.Join(f.dir, "hooks")})
	if err != nil {
		t.Fatal(err)
	}
	f.repos = &server.Repos{Root: filepath.Join(f.dir, "repos"), Launcher: git}
	f.svc = service.New(db, f.repos, audit, service.Config{AllowLocalMirrors: true}, now)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.m, err = NewMirrors(MirrorsConfig{Launcher: git, AllowLocal: true, Tick: 20 * time.Millisecond}, f.svc, f.repos, log)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// git runs git in dir as a client would and returns its trimmed stdout.
func (f *mirrorFixture) git(dir string, args ...string) string {
	f.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C"}, "HOME="+f.dir,
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// upstream makes a bare repository with a commit on main and dev and a tag,
// and returns its file:// URL and a work tree pushing to it.
func (f *mirrorFixture) upstream(name string) (string, string) {
	bare := filepath.Join(f.dir, name+".git")
	work := filepath.Join(f.dir, name+"-work")
	f.git(f.dir, "init", "--quiet", "--bare", "--initial-branch=trunk", bare)
	f.git(f.dir, "init", "--quiet", "--initial-branch=trunk", work)
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "one")
	f.git(work, "tag", "v1")
	f.git(work, "push", "--quiet", bare, "trunk", "trunk:dev", "v1")
	return "file://" + bare, work
}

func (f *mirrorFixture) refs(name string) map[string]string {
	p, err := f.repos.Path(name)
	if err != nil {
		f.t.Fatal(err)
	}
	refs := map[string]string{}
	for line := range strings.Lines(f.git(p, "for-each-ref", "--format=%(objectname) %(refname)")) {
		id, ref, _ := strings.Cut(strings.TrimSpace(line), " ")
		refs[ref] = id
	}
	return refs
}

func TestMirrorFollowsUpstream(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	url, work := f.upstream("up")

	r, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/up", Upstream: url}, f.m)
	if err != nil {
		t.Fatal(err)
	}
	if r.SyncResult != "ok" || r.SyncUpdated != 3 {
		t.Fatalf("first sync: %+v", r)
	}
	head := f.git(work, "rev-parse", "HEAD")
	refs := f.refs("mirrors/up")
	if refs["refs/heads/trunk"] != head || refs["refs/heads/dev"] != head || refs["refs/tags/v1"] == "" || len(refs) != 3 {
		t.Fatalf("mirror refs %v, want trunk, dev and v1 at %s", refs, head)
	}
	p, _ := f.repos.Path("mirrors/up")
	if got := f.git(p, "symbolic-ref", "HEAD"); got != "refs/heads/trunk" {
		t.Errorf("HEAD %s, want the upstream's default branch refs/heads/trunk", got)
	}

	// A new commit, a deleted branch and a deleted tag upstream.
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "two")
	upBare := strings.TrimPrefix(url, "file://")
	f.git(work, "push", "--quiet", upBare, "trunk", ":dev", ":v1")
	r, err = f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m)
	if err != nil {
		t.Fatal(err)
	}
	refs = f.refs("mirrors/up")
	if refs["refs/heads/trunk"] != f.git(work, "rev-parse", "HEAD") || len(refs) != 1 || r.SyncUpdated != 3 {
		t.Fatalf("after sync: refs %v, %d updated; want only the new trunk", refs, r.SyncUpdated)
	}

	// Nothing new: nothing updated.
	if r, err = f.svc.SyncMirror(ctx, f.admin, "mirrors/up", f.m); err != nil || r.SyncUpdated != 0 {
		t.Fatalf("idle sync: %+v, %v", r, err)
	}
}

func TestMirrorFailureRecorded(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	missing := "file://" + filepath.Join(f.dir, "nowhere.git")
	r, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/gone", Upstream: missing}, f.m)
	if err != nil {
		t.Fatalf("a failed first fetch fails the create: %v", err)
	}
	if r.SyncResult != "error" || !strings.Contains(r.SyncError, "git fetch") || r.LastSync.IsZero() {
		t.Fatalf("recorded %+v", r)
	}
	if _, err := f.svc.SyncMirror(ctx, f.admin, "mirrors/gone", f.m); !errors.Is(err, auth.ErrUpstream) {
		t.Fatalf("sync of a missing upstream: %v", err)
	}
	evs, err := f.svc.Events(ctx, f.admin, service.EventFilter{Action: "repo.sync"})
	if err != nil || len(evs) != 2 || evs[0].Result != "error" || evs[1].Result != "error" {
		t.Fatalf("audit %+v, %v", evs, err)
	}
}

func TestMirrorFetchGuards(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	url, _ := f.upstream("up")
	if err := f.repos.Init(ctx, "mirrors/x"); err != nil {
		t.Fatal(err)
	}

	// The same mirror is never fetched twice at once.
	f.m.busy["mirrors/x"] = func() {}
	if _, err := f.m.Fetch(ctx, service.FetchJob{Name: "mirrors/x", Upstream: url}); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("second fetch: %v", err)
	}
	delete(f.m.busy, "mirrors/x")

	// Without allow_local, file:// is refused before and inside git.
	strict, err := NewMirrors(MirrorsConfig{Launcher: f.m.git}, f.svc, f.repos, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strict.Fetch(ctx, service.FetchJob{Name: "mirrors/x", Upstream: url}); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("file:// without allow_local: %v", err)
	}
	p, _ := f.repos.Path("mirrors/x")
	if _, err := strict.runGit(ctx, gitexec.Cmd{Dir: p, Command: "fetch", Operands: []string{url, "+refs/heads/*:refs/heads/*"}}); err == nil || !strings.Contains(err.Error(), "not allowed") {
		t.Fatalf("git fetched file:// with protocol.file.allow=never: %v", err)
	}
	// ext:: never runs a command, even if validation were bypassed.
	marker := filepath.Join(f.dir, "pwned")
	_, err = f.m.runGit(ctx, gitexec.Cmd{Dir: p, Command: "fetch", Operands: []string{"ext::sh -c touch% " + marker, "+refs/heads/*:refs/heads/*"}})
	if err == nil {
		t.Fatal("ext:: fetch succeeded")
	}
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Fatal("ext:: ran a command")
	}
}

func TestMirrorSchedulerSyncsDue(t *testing.T) {
	f := newMirrorFixture(t)
	ctx := context.Background()
	url, work := f.upstream("up")
	// Created two hours ago by the domain's clock: due now.
	f.shift = 2 * time.Hour
	if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: "mirrors/up", Upstream: url}, f.m); err != nil {
		t.Fatal(err)
	}
	f.git(work, "commit", "--quiet", "--allow-empty", "-m", "two")
	f.git(work, "push", "--quiet", strings.TrimPrefix(url, "file://"), "trunk")
	want := f.git(work, "rev-parse", "HEAD")

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { f.m.Run(runCtx); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		evs, err := f.svc.Events(ctx, f.admin, service.EventFilter{Action: "repo.sync", User: "system"})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 0 {
			if evs[0].Result != "ok" {
				t.Fatalf("scheduled sync: %+v", evs[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scheduler did not sync the due mirror")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := f.refs("mirrors/up")["refs/heads/trunk"]; got != want {
		t.Fatalf("trunk at %s after the scheduled sync, want %s", got, want)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

func TestMirrorCredentialsStayOffTheCommandLine(t *testing.T) {
	clean, env := splitCredentials("https://bot:s3cret@git.example.com/acme/infra.git")
	if strings.Contains(clean, "s3cret") || clean != "https://git.example.com/acme/infra.git" {
		t.Fatalf("URL for argv: %q", clean)
	}
	want := []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http.https://git.example.com/.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic Ym90OnMzY3JldA==",
	}
	if !slices.Equal(env, want) {
		t.Fatalf("env %q, want %q", env, want)
	}
	for _, u := range []string{"https://git.example.com/x.git", "ssh://git@example.com/x.git", "git://example.com/x.git"} {
		if clean, env := splitCredentials(u); clean != u || env != nil {
			t.Errorf("%s: %q %q", u, clean, env)
		}
	}
}
