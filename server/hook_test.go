package server

import (
	"bytes"
	"context"
	"errors"
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
	a := newAccess(t)
	if _, err := a.Svc.CreateRepo(t.Context(), a.Admin, "acme/x", ""); err != nil {
		t.Fatal(err)
	}
	a.grant("alice", "acme/x", auth.LevelWrite)
	a.grant("carol", "acme/x", auth.LevelWrite)
	pushes := NewPushes(sock)
	hs, err := ListenHooks(HookServerConfig{Socket: sock, PublicURL: "https://git.example.com", Repos: &Repos{Root: t.TempDir()}}, a.Svc, pushes, nil)
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

	create := strings.Repeat("0", 40) + " " + strings.Repeat("1", 40) + " refs/heads/main\n"
	runWith := func(env map[string]string, stdin string) (int, string) {
		var stderr bytes.Buffer
		code := RunPreReceiveHook(func(k string) string { return env[k] }, strings.NewReader(stdin), &stderr)
		return code, stderr.String()
	}
	run := func(env map[string]string) (int, string) { return runWith(env, create) }
	if code, msg := run(nil); code != 1 || !strings.Contains(msg, "not available") {
		t.Errorf("no environment: %d %q", code, msg)
	}
	if code, msg := run(map[string]string{EnvPushID: "nope", EnvHookSocket: sock}); code != 1 || !strings.Contains(msg, "not known") {
		t.Errorf("unknown push: %d %q", code, msg)
	}

	begin := func(who auth.Identity) (map[string]string, func()) {
		env, end := pushes.Begin(who, "acme/x")
		m := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		return m, end
	}
	m, end := begin(a.Who(t, "alice"))
	if code, msg := run(m); code != 0 {
		t.Errorf("allowed push: %d %q", code, msg)
	}
	if code, msg := run(m); code != 1 {
		t.Errorf("second check of one push: %d %q, want refused", code, msg)
	}
	end()

	// A ref update that is not one, or too many of them, refuses the
	// push: no ref goes unchecked.
	for stdin, want := range map[string]string{
		"0 1 refs/heads/main\n": `ref update "0 1 refs/heads/main" is not "old new ref"`,
		strings.Repeat("0", 40) + " " + strings.Repeat("1", 40) + " refs/heads/a..b\n": `ref "refs/heads/a..b": must not contain ".."`,
		strings.Repeat(create, hookMaxUpdates+1):                                       "more than 5000 refs in one push",
	} {
		m, end := begin(a.Who(t, "alice"))
		if code, msg := runWith(m, stdin); code != 1 || !strings.Contains(msg, want) {
			t.Errorf("push of %.40q: %d %q, want refused with %q", stdin, code, msg, want)
		}
		end()
	}

	m, end = begin(a.Who(t, "bob"))
	code, msg := run(m)
	if code != 1 || !strings.Contains(msg, "bob has no active grant to write acme/x") ||
		!strings.Contains(msg, "Ask for access: https://git.example.com/requests/new?repo=acme/x&access=write") {
		t.Errorf("denied push: %d %q", code, msg)
	}
	end()

	// carol signed in with a token that is revoked before her refs are
	// applied: her grant stands, her credential does not.
	who, err := a.Svc.Authenticate(t.Context(), "carol", a.tokens["carol"])
	if err != nil {
		t.Fatal(err)
	}
	m, end = begin(who)
	defer end()
	if err := a.Svc.RevokeToken(t.Context(), a.Admin, "carol", a.tokenIDs["carol"]); err != nil {
		t.Fatal(err)
	}
	code, msg = run(m)
	if code != 1 || !strings.Contains(msg, "push refused: carol can no longer sign in (the token was revoked or expired)") {
		t.Errorf("push with a revoked token: %d %q", code, msg)
	}
	// The refusal is on the record, and the revoked credential never
	// reached a decision about the repository.
	if evs := a.decisions("carol"); len(evs) != 1 || evs[0].Action != "access.recheck" || evs[0].Result != "deny" {
		t.Errorf("decisions after a revoked credential: %+v, want one access.recheck deny", evs)
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

// TestUpdateHookRefusesListedRefs runs the installed update hook the way
// git does, with ref names a client may choose: they are compared as data,
// never run.
func TestUpdateHookRefusesListedRefs(t *testing.T) {
	dir := t.TempDir()
	if err := InstallHooks(dir, []string{"/bin/true"}); err != nil {
		t.Fatal(err)
	}
	evil := "refs/heads/a$(touch pwned)`touch pwned2`'\"${x}|;&<>"
	refusals := filepath.Join(dir, "refused")
	run := func(env []string, ref string) (int, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, "update"), ref, strings.Repeat("0", 40), strings.Repeat("1", 40))
		cmd.Dir = dir
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	// Nothing refused: no file, or no variable at all.
	if code, msg := run(nil, evil); code != 0 || msg != "" {
		t.Errorf("no variable: %d %q", code, msg)
	}
	if code, msg := run([]string{EnvRefused + "=" + refusals}, evil); code != 0 || msg != "" {
		t.Errorf("no file: %d %q", code, msg)
	}

	if err := writeRefusals(refusals, []refusal{
		{ref: evil, message: "it is protected\nAsk for access: https://git.example.com/x\n"},
		{ref: "refs/heads/main", message: "main is protected\n"},
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(refusals); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("refusal file mode: %v, %v", fi.Mode(), err)
	}
	env := []string{EnvRefused + "=" + refusals}
	if code, msg := run(env, evil); code != 1 || msg != "ref refused: it is protected\nAsk for access: https://git.example.com/x\n" {
		t.Errorf("refused ref: %d %q", code, msg)
	}
	if code, msg := run(env, "refs/heads/main"); code != 1 || msg != "ref refused: main is protected\n" {
		t.Errorf("refused main: %d %q", code, msg)
	}
	for _, ref := range []string{"refs/heads/topic", "refs/heads/mai", "refs/heads/main2", "refs/heads/a"} {
		if code, msg := run(env, ref); code != 0 || msg != "" {
			t.Errorf("allowed %s: %d %q", ref, code, msg)
		}
	}
	for _, f := range []string{"pwned", "pwned2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Fatalf("the update hook ran part of a ref name (%s exists)", f)
		}
	}
	// The file is new each push: an existing one is never appended to.
	if err := writeRefusals(refusals, []refusal{{ref: "refs/heads/x", message: "no\n"}}); err == nil {
		t.Error("writeRefusals over an existing file: want an error")
	}
}

// TestPushesRefusalFile checks the refusal file's life: the directory is
// private and emptied at start, each push names a file of its own, and the
// file goes when the push ends.
func TestPushesRefusalFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pushes")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stale"), []byte("refs/heads/main x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := NewPushes("/nonexistent/hook.sock")
	if err := p.RefusalsIn(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("pushes directory mode: %v, %v", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "stale")); err == nil {
		t.Fatal("a stale refusal file survived the start")
	}
	path := func(env []string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, EnvRefused+"="); ok {
				return v
			}
		}
		return ""
	}
	env1, end1 := p.Begin(auth.Identity{}, "acme/x")
	env2, end2 := p.Begin(auth.Identity{}, "acme/x")
	defer end2()
	f1, f2 := path(env1), path(env2)
	if f1 == "" || f1 == f2 || filepath.Dir(f1) != dir {
		t.Fatalf("refusal files %q and %q", f1, f2)
	}
	for _, kv := range env1 {
		if v, ok := strings.CutPrefix(kv, EnvPushID+"="); ok && strings.Contains(f1, v) {
			t.Fatal("the refusal file is named after the push id")
		}
	}
	if err := writeRefusals(f1, []refusal{{ref: "refs/heads/main", message: "no\n"}}); err != nil {
		t.Fatal(err)
	}
	end1()
	if _, err := os.Stat(f1); err == nil {
		t.Fatal("the refusal file outlived its push")
	}
}
