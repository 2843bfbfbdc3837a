package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// fakeGit writes a shell script standing in for git and returns its path.
func fakeGit(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "git")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunnerArgvAndEnvironment(t *testing.T) {
	t.Setenv("JITGIT_LEAK", "secret")
	t.Setenv("GIT_DIR", "/etc")
	t.Setenv("HOME", "/root")
	hooks := t.TempDir()
	sock := filepath.Join(t.TempDir(), "hook.sock")
	run, err := NewRunner(RunnerConfig{
		Git:      fakeGit(t, `for a in "$@"; do echo "arg:$a"; done; env`),
		HooksDir: hooks,
		Path:     "/usr/bin:/bin",
		Pushes:   NewPushes(sock),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := run.Run(t.Context(), Job{Service: ReceivePack, Repo: "acme/x", Dir: dir, Protocol: "version=1",
		StatelessRPC: true, Who: auth.Identity{User: "alice"}, Stdout: &out})
	if err != nil || res.Exit != 0 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	var args, env []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if a, ok := strings.CutPrefix(line, "arg:"); ok {
			args = append(args, a)
		} else {
			env = append(env, line)
		}
	}
	wantArgs := []string{"-c", "core.hooksPath=" + hooks, "-c", "core.fsmonitor=false", "receive-pack", "--stateless-rpc", "--", dir}
	if !slices.Equal(args, wantArgs) {
		t.Errorf("argv = %q, want %q", args, wantArgs)
	}
	allowed := map[string]bool{"PATH": true, "GIT_CONFIG_NOSYSTEM": true, "GIT_CONFIG_GLOBAL": true,
		"GIT_TERMINAL_PROMPT": true, "GIT_NO_REPLACE_OBJECTS": true, "LC_ALL": true, "GIT_PROTOCOL": true,
		EnvPushID: true, EnvHookSocket: true, "PWD": true, "SHLVL": true, "_": true}
	seen := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		seen[k] = v
		if !allowed[k] {
			t.Errorf("unexpected variable %s", kv)
		}
	}
	if seen["GIT_PROTOCOL"] != "version=1" || seen["PATH"] != "/usr/bin:/bin" || seen[EnvHookSocket] != sock || len(seen[EnvPushID]) < 20 {
		t.Errorf("environment: %v", seen)
	}

	// The push registration ends with the run.
	if _, ok := run.pushes.take(seen[EnvPushID]); ok {
		t.Error("the push is still registered after receive-pack exited")
	}
}

func TestRunnerRefuses(t *testing.T) {
	run, err := NewRunner(RunnerConfig{Git: fakeGit(t, "exit 0"), HooksDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, j := range map[string]Job{
		"relative dir":             {Service: UploadPack, Dir: "acme/x.git"},
		"unclean dir":              {Service: UploadPack, Dir: dir + "/../x"},
		"option as dir":            {Service: UploadPack, Dir: "--upload-pack=x"},
		"bad protocol":             {Service: UploadPack, Dir: dir, Protocol: "version=2\nGIT_DIR=/"},
		"unknown service":          {Service: "upload-pack --exec=x", Dir: dir},
		"receive without registry": {Service: ReceivePack, Dir: dir},
		"stateless upload-archive": {Service: UploadArchive, Dir: dir, StatelessRPC: true},
	} {
		if _, err := run.Run(t.Context(), j); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if run.Runs() != 0 {
		t.Errorf("%d processes started", run.Runs())
	}
	// The advertisement of receive-pack needs no registry: no hook runs.
	if _, err := run.Run(t.Context(), Job{Service: ReceivePack, Dir: dir, AdvertiseRefs: true}); err != nil {
		t.Errorf("receive-pack advertisement: %v", err)
	}
}

func TestRunnerKeepsStderrApart(t *testing.T) {
	run, err := NewRunner(RunnerConfig{Git: fakeGit(t, "echo out; echo err >&2; exit 3"), HooksDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	res, err := run.Run(t.Context(), Job{Service: UploadArchive, Dir: t.TempDir(), Stdout: &out, Stderr: &errOut})
	if err != nil || res.Exit != 3 || res.Stderr != "err\n" || out.String() != "out\n" || errOut.String() != "err\n" {
		t.Fatalf("res %+v err %v stdout %q stderr %q", res, err, out.String(), errOut.String())
	}
}

func TestRunnerKillsProcessGroup(t *testing.T) {
	run, err := NewRunner(RunnerConfig{Git: fakeGit(t, "sleep 60 & echo $!; wait"), HooksDir: t.TempDir(), KillWait: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	start := time.Now()
	_, err = run.Run(ctx, Job{Service: UploadPack, Dir: t.TempDir(), Stdout: &out})
	if err == nil {
		t.Fatal("Run returned no error after its context ended")
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

func TestValidateProtocol(t *testing.T) {
	for _, ok := range []string{"", "version=0", "version=1", "version=2"} {
		if got, err := ValidateProtocol(ok); err != nil || got != ok {
			t.Errorf("ValidateProtocol(%q) = %q, %v", ok, got, err)
		}
	}
	for _, bad := range []string{"version=3", "version=2:object-format=sha256", " version=2", "version=2\x00", "VERSION=2", "version=", "x"} {
		if _, err := ValidateProtocol(bad); err == nil {
			t.Errorf("ValidateProtocol(%q): no error", bad)
		}
	}
}
