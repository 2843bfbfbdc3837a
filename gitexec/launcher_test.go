package gitexec

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeGit writes a shell script standing in for git and returns its path.
// It is for what real git cannot show: its own argv and environment, or a
// process that outlives its context.
func fakeGit(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "git")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func newLauncher(t *testing.T, cfg Config) *Launcher {
	t.Helper()
	if cfg.HooksDir == "" {
		cfg.HooksDir = t.TempDir()
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func realGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is missing; under CI these tests must run (apt-get install git)")
		}
		t.Skip("git not installed")
	}
}

// probe runs c with a git that prints its arguments and environment, and
// returns them.
func probe(t *testing.T, l *Launcher, c Cmd) ([]string, map[string]string) {
	t.Helper()
	out, err := l.Output(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if a, ok := strings.CutPrefix(line, "arg:"); ok {
			args = append(args, a)
		} else {
			k, v, _ := strings.Cut(line, "=")
			env[k] = v
		}
	}
	return args, env
}

const argvProbe = `for a in "$@"; do echo "arg:$a"; done; env`

func TestArgvAndEnvironment(t *testing.T) {
	t.Setenv("JITGIT_LEAK", "secret")
	t.Setenv("GIT_DIR", "/etc")
	t.Setenv("HOME", "/root")
	hooks := t.TempDir()
	l := newLauncher(t, Config{Git: fakeGit(t, argvProbe), HooksDir: hooks, Path: "/usr/bin:/bin"})
	dir := t.TempDir()
	args, env := probe(t, l, Cmd{Config: []string{"protocol.allow=never"}, Command: "receive-pack",
		Options: []string{"--stateless-rpc"}, Operands: []string{dir}, Dir: dir,
		Env: []string{"JITGIT_PUSH=1"}, Protocol: "version=1"})
	pinned := []string{"-c", "core.hooksPath=" + hooks, "-c", "core.fsmonitor=false"}
	wantArgs := append(slices.Clone(pinned), "-c", "protocol.allow=never", "receive-pack", "--stateless-rpc", "--", dir)
	if !slices.Equal(args, wantArgs) {
		t.Errorf("argv = %q, want %q", args, wantArgs)
	}
	// PWD, SHLVL and _ are the shell's own.
	allowed := map[string]bool{"PATH": true, "GIT_CONFIG_NOSYSTEM": true, "GIT_CONFIG_GLOBAL": true,
		"GIT_TERMINAL_PROMPT": true, "GIT_NO_REPLACE_OBJECTS": true, "LC_ALL": true, "GIT_PROTOCOL": true,
		"JITGIT_PUSH": true, "PWD": true, "SHLVL": true, "_": true}
	for k, v := range env {
		if !allowed[k] {
			t.Errorf("unexpected variable %s=%s", k, v)
		}
	}
	if env["GIT_PROTOCOL"] != "version=1" || env["PATH"] != "/usr/bin:/bin" || env["JITGIT_PUSH"] != "1" ||
		env["GIT_CONFIG_GLOBAL"] != "/dev/null" || env["PWD"] != dir {
		t.Errorf("environment: %v", env)
	}

	// No operands, no "--"; no protocol, no GIT_PROTOCOL.
	args, env = probe(t, l, Cmd{Command: "for-each-ref", Options: []string{"--format=%(refname)"}})
	if want := append(slices.Clone(pinned), "for-each-ref", "--format=%(refname)"); !slices.Equal(args, want) {
		t.Errorf("argv = %q, want %q", args, want)
	}
	if _, ok := env["GIT_PROTOCOL"]; ok {
		t.Errorf("GIT_PROTOCOL set without a protocol: %v", env)
	}
	// Without "--" the operands follow the options.
	args, _ = probe(t, l, Cmd{Command: "upload-archive", Operands: []string{dir}, NoDashDash: true})
	if want := append(slices.Clone(pinned), "upload-archive", dir); !slices.Equal(args, want) {
		t.Errorf("argv = %q, want %q", args, want)
	}
}

func TestRefusesBeforeStarting(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	l := newLauncher(t, Config{Git: fakeGit(t, "touch "+marker)})
	for name, c := range map[string]Cmd{
		"command with an option":   {Command: "upload-pack --exec=x"},
		"option as command":        {Command: "--exec-path=/tmp"},
		"empty command":            {},
		"operand among options":    {Command: "fetch", Options: []string{"origin"}},
		"dash-dash among options":  {Command: "fetch", Options: []string{"--", "x"}},
		"option as bare operand":   {Command: "upload-archive", Operands: []string{"--remote=x"}, NoDashDash: true},
		"empty bare operand":       {Command: "upload-archive", Operands: []string{""}, NoDashDash: true},
		"pinned hooks path":        {Command: "fetch", Config: []string{"core.hooksPath=/tmp"}},
		"pinned hooks path, cased": {Command: "fetch", Config: []string{"Core.HooksPath=/tmp"}},
		"pinned fsmonitor":         {Command: "fetch", Config: []string{"core.fsmonitor=/tmp/x"}},
		"config without value":     {Command: "fetch", Config: []string{"core.bare"}},
		"option as config":         {Command: "fetch", Config: []string{"--exec-path=/tmp"}},
		"bad protocol":             {Command: "upload-pack", Protocol: "version=2\nGIT_DIR=/"},
		"protocol through env":     {Command: "upload-pack", Env: []string{"GIT_PROTOCOL=version=2"}},
		"PATH through env":         {Command: "upload-pack", Env: []string{"PATH=/tmp"}},
		"variable without value":   {Command: "upload-pack", Env: []string{"GIT_DIR"}},
		"config parameters in env": {Command: "receive-pack", Env: []string{"GIT_CONFIG_PARAMETERS='core.hooksPath'='/tmp'"}},
		"pinned key in env":        {Command: "receive-pack", Env: []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=Core.HooksPath", "GIT_CONFIG_VALUE_0=/tmp"}},
		"own hooks, none allowed":  {Command: "receive-pack", HooksDir: t.TempDir()},
	} {
		if _, err := l.Run(t.Context(), c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("git ran for a refused command")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New without a hooks directory")
	}
}

// TestOperandsNeverOptions hands real git operands that would run a
// command if git took them for options.
func TestOperandsNeverOptions(t *testing.T) {
	realGit(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "ran")
	l := newLauncher(t, Config{})
	repo := filepath.Join(dir, "r.git")
	if _, err := l.Output(t.Context(), Cmd{Command: "init", Options: []string{"--quiet", "--bare"}, Operands: []string{repo}}); err != nil {
		t.Fatal(err)
	}
	evil := "--upload-pack=touch " + marker + ";git-upload-pack"
	_, err := l.Output(t.Context(), Cmd{Dir: dir, Command: "ls-remote", Operands: []string{evil, repo}})
	if err == nil {
		t.Error("ls-remote of a repository named like an option succeeded")
	}
	_, err = l.Output(t.Context(), Cmd{Dir: repo, Command: "upload-archive", Operands: []string{"--remote=" + repo}, NoDashDash: true})
	if err == nil {
		t.Error("upload-archive took an option as its directory")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("an operand became an option and ran a command")
	}
	// The same operand as the server's own option does run: the test would
	// notice if git stopped honouring it.
	if _, err := l.Output(t.Context(), Cmd{Dir: dir, Command: "ls-remote", Options: []string{evil}, Operands: []string{repo}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the option itself did not run: %v", err)
	}
}

func TestKeepsStderrApart(t *testing.T) {
	l := newLauncher(t, Config{Git: fakeGit(t, "echo out; echo err >&2; exit 3")})
	var out, errOut bytes.Buffer
	res, err := l.Run(t.Context(), Cmd{Command: "upload-archive", Stdout: &out, Stderr: &errOut})
	if err != nil || res.Exit != 3 || res.Stderr != "err\n" || out.String() != "out\n" || errOut.String() != "err\n" {
		t.Fatalf("res %+v err %v stdout %q stderr %q", res, err, out.String(), errOut.String())
	}
}

func TestOutputErrorCarriesStderrTail(t *testing.T) {
	realGit(t)
	l := newLauncher(t, Config{})
	_, err := l.Output(t.Context(), Cmd{Dir: t.TempDir(), Command: "rev-parse", Options: []string{"--verify"}, Operands: []string{"HEAD"}, StderrTail: 16})
	if err == nil {
		t.Fatal("rev-parse outside a repository succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "git rev-parse (exit status 128): ") || len(msg) > len("git rev-parse (exit status 128): ")+16 {
		t.Errorf("error %q: want the command, the exit status and at most 16 bytes of stderr", msg)
	}
}

func TestKillsProcessGroup(t *testing.T) {
	l := newLauncher(t, Config{Git: fakeGit(t, "sleep 60 & echo $!; wait"), KillWait: time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	_, err := l.Run(ctx, Cmd{Command: "upload-pack", Stdout: &out})
	if err == nil || !strings.Contains(err.Error(), "git upload-pack: killed") {
		t.Fatalf("Run after its context ended: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Run took %s", d)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("child pid %q: %v", out.String(), err)
	}
	// The background child must be gone (or a zombie awaiting its reaper).
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			break
		}
		if f := strings.Fields(string(b)); len(f) > 2 && f[2] == "Z" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d survived: %s", pid, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTailBuffer(t *testing.T) {
	tb := &tailBuffer{max: 8}
	for _, w := range []string{"abc", "defg", "hijkl", "0123456789abcdef", "xy"} {
		if n, err := tb.Write([]byte(w)); n != len(w) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", w, n, err)
		}
	}
	if got := tb.String(); got != "abcdefxy" {
		t.Errorf("tail %q, want %q", got, "abcdefxy")
	}
}

// TestOwnHooksDir checks that a process may have a hooks directory of its
// own only directly inside the configured root, as a real directory.
func TestOwnHooksDir(t *testing.T) {
	root := t.TempDir()
	marker := filepath.Join(t.TempDir(), "ran")
	l := newLauncher(t, Config{Git: fakeGit(t, argvProbe+"; touch "+marker), OwnHooksRoot: root})
	own := filepath.Join(root, "push1")
	if err := os.Mkdir(own, 0o700); err != nil {
		t.Fatal(err)
	}
	args, _ := probe(t, l, Cmd{Command: "receive-pack", HooksDir: own})
	if !slices.Contains(args, "core.hooksPath="+own) {
		t.Errorf("argv = %q, want core.hooksPath=%s", args, own)
	}
	os.Remove(marker)

	outside := t.TempDir()
	nested := filepath.Join(own, "deeper")
	if err := os.Mkdir(nested, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{
		"outside the root": outside,
		"the root itself":  root,
		"nested":           nested,
		"relative":         "push1",
		"not clean":        root + "/x/../push1",
		"dot-dot":          filepath.Join(root, "..") + "/" + filepath.Base(outside),
		"symlink":          link,
		"a file":           file,
		"missing":          filepath.Join(root, "gone"),
		"option-like":      "-c",
	} {
		if _, err := l.Run(t.Context(), Cmd{Command: "receive-pack", HooksDir: dir}); err == nil {
			t.Errorf("%s (%s): no error", name, dir)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("git started for a refused hooks directory")
	}
}
