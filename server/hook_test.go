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
		env, _, end, err := pushes.Begin(who, "acme/x")
		if err != nil {
			t.Fatal(err)
		}
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

// TestUpdateHookRefusesListedRefs runs the update hook of a push the way
// git does, with ref names a client may choose: they are compared as data,
// never run.
func TestUpdateHookRefusesListedRefs(t *testing.T) {
	// A directory name the shell must not read either.
	dir := filepath.Join(t.TempDir(), "it's $(touch pwned0)")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	evil := "refs/heads/a$(touch pwned)`touch pwned2`'\"${x}|;&<>"
	run := func(ref string) (int, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, "update"), ref, strings.Repeat("0", 40), strings.Repeat("1", 40))
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	}
	if err := refuseInPart(dir, []refusal{
		{ref: evil, message: "it is protected\nAsk for access: https://git.example.com/x\n"},
		{ref: "refs/heads/main", message: "main is protected\n"},
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, refusedFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("refusal file mode: %v, %v", fi.Mode(), err)
	}
	if code, msg := run(evil); code != 1 || msg != "ref refused: it is protected\nAsk for access: https://git.example.com/x\n" {
		t.Errorf("refused ref: %d %q", code, msg)
	}
	if code, msg := run("refs/heads/main"); code != 1 || msg != "ref refused: main is protected\n" {
		t.Errorf("refused main: %d %q", code, msg)
	}
	for _, ref := range []string{"refs/heads/topic", "refs/heads/mai", "refs/heads/main2", "refs/heads/a"} {
		if code, msg := run(ref); code != 0 || msg != "" {
			t.Errorf("allowed %s: %d %q", ref, code, msg)
		}
	}
	for _, f := range []string{"pwned0", "pwned", "pwned2"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Fatalf("the update hook ran part of a name (%s exists)", f)
		}
	}
	// The list is new each push: an existing one is never appended to.
	if err := refuseInPart(dir, []refusal{{ref: "refs/heads/x", message: "no\n"}}); err == nil {
		t.Error("refuseInPart over an existing list: want an error")
	}
	// Without its list the hook refuses every ref rather than none.
	if err := os.Remove(filepath.Join(dir, refusedFile)); err != nil {
		t.Fatal(err)
	}
	if code, msg := run("refs/heads/topic"); code != 1 || !strings.Contains(msg, "missing") {
		t.Errorf("no list: %d %q", code, msg)
	}
}

// TestPushesHooksDir checks the life of a push's hooks directory: the root
// is private and emptied at start, each push has a directory of its own
// holding only the pre-receive hook, and the directory goes when the push
// ends.
func TestPushesHooksDir(t *testing.T) {
	root := filepath.Join(t.TempDir(), "pushes")
	shared := t.TempDir()
	if err := InstallHooks(shared, []string{"/bin/true"}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "stale-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "stale"), []byte("refs/heads/main x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := NewPushes("/nonexistent/hook.sock")
	if err := p.HooksIn(root, shared); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(root); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("pushes directory mode: %v, %v", fi.Mode(), err)
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Fatalf("leftovers survived the start: %v", left)
	}
	env1, dir1, end1, err := p.Begin(auth.Identity{}, "acme/x")
	if err != nil {
		t.Fatal(err)
	}
	_, dir2, end2, err := p.Begin(auth.Identity{}, "acme/x")
	if err != nil {
		t.Fatal(err)
	}
	defer end2()
	if dir1 == "" || dir1 == dir2 || filepath.Dir(dir1) != root {
		t.Fatalf("push hooks directories %q and %q", dir1, dir2)
	}
	if fi, err := os.Lstat(dir1); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("push hooks directory: %v, %v", fi, err)
	}
	for _, kv := range env1 {
		if v, ok := strings.CutPrefix(kv, EnvPushID+"="); ok && strings.Contains(dir1, v) {
			t.Fatal("the push hooks directory is named after the push id")
		}
	}
	entries, err := os.ReadDir(dir1)
	if err != nil || len(entries) != 1 || entries[0].Name() != "pre-receive" {
		t.Fatalf("push hooks directory holds %v (%v), want pre-receive only", entries, err)
	}
	if target, err := os.Readlink(filepath.Join(dir1, "pre-receive")); err != nil || target != filepath.Join(shared, "pre-receive") {
		t.Fatalf("pre-receive links to %q (%v)", target, err)
	}
	if _, err := os.Stat(filepath.Join(shared, "update")); err == nil {
		t.Fatal("the shared hooks directory has an update hook")
	}
	if err := refuseInPart(dir1, []refusal{{ref: "refs/heads/main", message: "no\n"}}); err != nil {
		t.Fatal(err)
	}
	end1()
	if _, err := os.Lstat(dir1); err == nil {
		t.Fatal("the push hooks directory outlived its push")
	}
	if _, err := os.Lstat(dir2); err != nil {
		t.Fatalf("another push's directory went too: %v", err)
	}
}

// TestUpdateHookOnlyWhenRefusedInPart checks that a push's hooks directory
// gets an update hook, so that git starts a process per ref, only when the
// re-check refuses some of its refs but not all.
func TestUpdateHookOnlyWhenRefusedInPart(t *testing.T) {
	sock := filepath.Join(shortTempDir(t), "hook.sock")
	a := newAccess(t)
	if _, err := a.Svc.CreateRepo(t.Context(), a.Admin, "acme/x", ""); err != nil {
		t.Fatal(err)
	}
	a.grant("alice", "acme/x", auth.LevelWrite)
	if _, err := a.Svc.AddProtection(t.Context(), a.Admin, auth.Protection{ID: "locked", Repo: "acme/x", Ref: "refs/heads/locked/*", Forbid: auth.ChangeCreate}); err != nil {
		t.Fatal(err)
	}
	shared := t.TempDir()
	if err := InstallHooks(shared, []string{"/bin/true"}); err != nil {
		t.Fatal(err)
	}
	pushes := NewPushes(sock)
	if err := pushes.HooksIn(filepath.Join(t.TempDir(), "pushes"), shared); err != nil {
		t.Fatal(err)
	}
	hs, err := ListenHooks(HookServerConfig{Socket: sock, PublicURL: "https://git.example.com", Repos: &Repos{Root: t.TempDir()}}, a.Svc, pushes, nil)
	if err != nil {
		t.Fatal(err)
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

	create := func(ref string) string {
		return strings.Repeat("0", 40) + " " + strings.Repeat("1", 40) + " " + ref + "\n"
	}
	for _, tc := range []struct {
		name, stdin string
		exit        int
		update      bool
	}{
		{"nothing refused", create("refs/heads/topic") + create("refs/heads/main"), 0, false},
		{"everything refused", create("refs/heads/locked/a"), 1, false},
		{"refused in part", create("refs/heads/topic") + create("refs/heads/locked/a"), 0, true},
	} {
		env, dir, end, err := pushes.Begin(a.Who(t, "alice"), "acme/x")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = v
		}
		var stderr bytes.Buffer
		if code := RunPreReceiveHook(func(k string) string { return m[k] }, strings.NewReader(tc.stdin), &stderr); code != tc.exit {
			t.Errorf("%s: pre-receive exit %d, want %d (%s)", tc.name, code, tc.exit, stderr.String())
		}
		_, err = os.Lstat(filepath.Join(dir, "update"))
		if has := err == nil; has != tc.update {
			t.Errorf("%s: update hook exists: %v, want %v", tc.name, has, tc.update)
		}
		end()
		if _, err := os.Lstat(dir); err == nil {
			t.Errorf("%s: the push's hooks directory outlived the push", tc.name)
		}
	}
}
