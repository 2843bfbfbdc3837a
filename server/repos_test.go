package server

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
)

func TestReposInit(t *testing.T) {
	r := &Repos{Root: t.TempDir(), Launcher: newLauncher(t, "", t.TempDir())}
	if r.Exists("acme/x") {
		t.Fatal("Exists before Init")
	}
	if err := r.Init(t.Context(), "acme/x"); err != nil {
		t.Fatal(err)
	}
	if !r.Exists("acme/x") {
		t.Fatal("not Exists after Init")
	}
	if err := r.Init(t.Context(), "acme/x"); !errors.Is(err, auth.ErrExists) {
		t.Fatalf("second Init: %v, want ErrExists", err)
	}
	for _, bad := range []string{"acme/x.git", "../x", "Acme/x"} {
		if err := r.Init(t.Context(), bad); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("Init(%q): %v, want ErrInvalid", bad, err)
		}
	}
	p, _ := r.Path("acme/x")
	for key, want := range map[string]string{"core.bare": "true", "receive.fsckObjects": "true", "core.logAllRefUpdates": "true"} {
		out, err := exec.Command("git", "config", "--file", filepath.Join(p, "config"), key).Output()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("%s = %q, %v; want %q", key, out, err, want)
		}
	}
	if head, err := os.ReadFile(filepath.Join(p, "HEAD")); err != nil || string(head) != "ref: refs/heads/main\n" {
		t.Errorf("HEAD = %q, %v", head, err)
	}
	if _, err := os.Stat(filepath.Join(p, "hooks")); err == nil {
		t.Error("a hooks directory came from a template")
	}

	// A symbolic link in place of a repository does not count.
	if err := os.Symlink(p, filepath.Join(r.Root, "acme", "link.git")); err != nil {
		t.Fatal(err)
	}
	if r.Exists("acme/link") {
		t.Error("a symbolic link counts as a repository")
	}
}

func TestReposInitWithoutLauncher(t *testing.T) {
	r := &Repos{Root: t.TempDir()}
	if err := r.Init(t.Context(), "acme/x"); err == nil {
		t.Fatal("Init without a launcher")
	}
	if _, err := os.Stat(filepath.Join(r.Root, "acme", "x.git")); err == nil {
		t.Error("a failed Init left its directory behind")
	}
}

func TestReposInitDiesWithItsProcessGroup(t *testing.T) {
	real, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is missing; under CI these tests must run (apt-get install git)")
		}
		t.Skip("git not installed")
	}
	// Real git init never blocks, so git is real git behind a wrapper that,
	// for init only, first leaves a child in its process group and waits.
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	git := fakeGit(t, `if [ "$5" = init ]; then sleep 60 & echo $! >`+pidFile+`.new; mv `+pidFile+`.new `+pidFile+`; wait; fi; exec `+real+` "$@"`)
	l, err := gitexec.New(gitexec.Config{Git: git, HooksDir: t.TempDir(), KillWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := &Repos{Root: t.TempDir(), Launcher: l}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Init(ctx, "acme/x") }()
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatalf("child pid %q: %v", b, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("git init did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("Init after cancel: %v, want killed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Init did not return after its context ended")
	}
	waitGone(t, pid)
	if _, err := os.Stat(filepath.Join(r.Root, "acme", "x.git")); err == nil {
		t.Error("a killed Init left its directory behind")
	}
}

// waitGone fails t unless process pid is gone (or a zombie awaiting its
// reaper) within a few seconds.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return
		}
		if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d survived: %s", pid, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStagedRepoReachesClientsOnlyWhenPublished: a staged repository is
// not where clients look, a second Stage of the name is refused, and
// RecoverStaged publishes the staged repositories that are registered and
// removes the others, as a start after a crash does.
func TestStagedRepoReachesClientsOnlyWhenPublished(t *testing.T) {
	r := &Repos{Root: t.TempDir(), Launcher: newLauncher(t, "", t.TempDir())}
	for _, name := range []string{"acme/kept", "acme/orphan", "acme/gone"} {
		if err := r.Stage(t.Context(), name); err != nil {
			t.Fatal(err)
		}
		if r.Exists(name) {
			t.Fatalf("%s is where clients look before it is published", name)
		}
	}
	if err := r.Stage(t.Context(), "acme/kept"); !errors.Is(err, auth.ErrExists) {
		t.Fatalf("second Stage: %v, want ErrExists", err)
	}
	if err := r.Discard("acme/gone"); err != nil {
		t.Fatal(err)
	}
	published, removed, err := r.RecoverStaged(func(name string) (bool, error) { return name == "acme/kept", nil })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(published, ",") != "acme/kept" || strings.Join(removed, ",") != "acme/orphan" {
		t.Fatalf("RecoverStaged published %v and removed %v; want acme/kept and acme/orphan", published, removed)
	}
	if !r.Exists("acme/kept") || r.Exists("acme/orphan") || r.Exists("acme/gone") {
		t.Fatal("after recovery: want only acme/kept in place")
	}
	if err := r.Init(t.Context(), "acme/orphan"); err != nil {
		t.Fatalf("the name of a removed leftover is free again: %v", err)
	}
	// A directory in a repository's place that nobody registered is not
	// taken over.
	p, _ := r.Path("acme/copied")
	if err := os.MkdirAll(p, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := r.Stage(t.Context(), "acme/copied"); !errors.Is(err, auth.ErrExists) || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("Stage over an unregistered directory: %v", err)
	}
}
