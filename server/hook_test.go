package server

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

// TestMain lets the test binary serve as the pre-receive hook binary.
func TestMain(m *testing.M) {
	if os.Getenv("JITGIT_TEST_AS_HOOK") == "1" {
		os.Exit(RunPreReceiveHook(os.Getenv, os.Stdin, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestInstallHooksQuotes(t *testing.T) {
	dir := t.TempDir()
	arg := `it's $(touch pwned); "x" \ ` + "`id`"
	if err := InstallHooks(dir, []string{"/bin/echo", arg}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "pre-receive"))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := arg + " hook pre-receive\n"; string(out) != want {
		t.Fatalf("hook ran %q, want %q", out, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Fatal("the shell interpreted the hook command")
	}
	if err := InstallHooks(dir, []string{"relative/jitgit"}); err == nil {
		t.Fatal("relative hook command: want an error")
	}
}

func TestPreReceiveHookRefuses(t *testing.T) {
	sock := filepath.Join(shortTempDir(t), "hook.sock")
	a := newFakeAuthority()
	a.grant("alice", "acme/x", auth.LevelWrite)
	pushes := NewPushes(sock)
	hs, err := ListenHooks(HookServerConfig{Socket: sock, PublicURL: "https://git.example.com"}, a, pushes, nil)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v, %v", fi.Mode(), err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- hs.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	run := func(env map[string]string) (int, string) {
		var stderr bytes.Buffer
		code := RunPreReceiveHook(func(k string) string { return env[k] }, strings.NewReader("0 1 refs/heads/main\n"), &stderr)
		return code, stderr.String()
	}
	if code, msg := run(nil); code != 1 || !strings.Contains(msg, "not available") {
		t.Errorf("no environment: %d %q", code, msg)
	}
	if code, msg := run(map[string]string{EnvPushID: "nope", EnvHookSocket: sock}); code != 1 || !strings.Contains(msg, "not known") {
		t.Errorf("unknown push: %d %q", code, msg)
	}

	env, end := pushes.Begin(auth.Identity{User: "alice"}, "acme/x")
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	if code, msg := run(m); code != 0 {
		t.Errorf("allowed push: %d %q", code, msg)
	}
	if code, msg := run(m); code != 1 {
		t.Errorf("second check of one push: %d %q, want refused", code, msg)
	}
	end()

	env, end = pushes.Begin(auth.Identity{User: "bob"}, "acme/x")
	defer end()
	m = map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	code, msg := run(m)
	if code != 1 || !strings.Contains(msg, "bob has no active grant to write acme/x") ||
		!strings.Contains(msg, "Ask for access: https://git.example.com/requests/new?repo=acme/x&access=write") {
		t.Errorf("denied push: %d %q", code, msg)
	}
}

// shortTempDir is a temporary directory with a path short enough for a unix
// socket.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "jg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
