package server

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
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

// newLauncher returns a launcher of git (empty: the real one) with hooks
// from the hooks directory.
func newLauncher(t *testing.T, git, hooks string) *gitexec.Launcher {
	t.Helper()
	l, err := gitexec.New(gitexec.Config{Git: git, HooksDir: hooks})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// newPushLauncher is newLauncher that also lets a push have a hooks
// directory of its own inside root.
func newPushLauncher(t *testing.T, git, hooks, root string) *gitexec.Launcher {
	t.Helper()
	l, err := gitexec.New(gitexec.Config{Git: git, HooksDir: hooks, OwnHooksRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// argvProbe is a git that prints its arguments, one "arg:" line each, and
// then its environment.
const argvProbe = `for a in "$@"; do echo "arg:$a"; done; env`

// probe runs j through a Runner with argvProbe as git and returns the
// arguments and the environment it saw.
func probe(t *testing.T, run *Runner, j Job) ([]string, map[string]string) {
	t.Helper()
	var out bytes.Buffer
	j.Stdout = &out
	res, err := run.Run(t.Context(), j)
	if err != nil || res.Exit != 0 {
		t.Fatalf("Run: %+v, %v", res, err)
	}
	var args []string
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if a, ok := strings.CutPrefix(line, "arg:"); ok {
			args = append(args, a)
		} else {
			k, v, _ := strings.Cut(line, "=")
			env[k] = v
		}
	}
	return args, env
}

func TestRunnerServices(t *testing.T) {
	hooks := t.TempDir()
	sock := filepath.Join(t.TempDir(), "hook.sock")
	run, err := NewRunner(RunnerConfig{Launcher: newLauncher(t, fakeGit(t, argvProbe), hooks), Pushes: NewPushes(sock)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pinned := []string{"-c", "core.hooksPath=" + hooks, "-c", "core.fsmonitor=false"}
	for _, tc := range []struct {
		job  Job
		want []string
	}{
		{Job{Service: UploadPack, StatelessRPC: true, AdvertiseRefs: true}, []string{"upload-pack", "--strict", "--stateless-rpc", "--http-backend-info-refs", "--", dir}},
		{Job{Service: UploadPack}, []string{"upload-pack", "--strict", "--", dir}},
		{Job{Service: ReceivePack, AdvertiseRefs: true, StatelessRPC: true}, []string{"receive-pack", "--stateless-rpc", "--http-backend-info-refs", "--", dir}},
		{Job{Service: UploadArchive}, []string{"upload-archive", dir}},
	} {
		tc.job.Dir = dir
		args, env := probe(t, run, tc.job)
		want := slices.Clone(pinned)
		if tc.job.Service == UploadPack {
			for _, kv := range uploadPackConfig {
				want = append(want, "-c", kv)
			}
		}
		if want := append(want, tc.want...); !slices.Equal(args, want) {
			t.Errorf("%s: argv = %q, want %q", tc.job.Service, args, want)
		}
		if _, ok := env[EnvPushID]; ok {
			t.Errorf("%s: a run that applies no refs is registered as a push", tc.job.Service)
		}
	}
}

func TestRunnerRegistersPush(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "hook.sock")
	run, err := NewRunner(RunnerConfig{Launcher: newLauncher(t, fakeGit(t, argvProbe), t.TempDir()), Pushes: NewPushes(sock)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args, env := probe(t, run, Job{Service: ReceivePack, Repo: "acme/x", Dir: dir, Protocol: "version=1",
		StatelessRPC: true, Who: auth.Identity{User: "alice"}})
	if want := []string{"receive-pack", "--stateless-rpc", "--", dir}; !slices.Equal(args[len(args)-len(want):], want) {
		t.Errorf("argv = %q, want it to end in %q", args, want)
	}
	if env["GIT_PROTOCOL"] != "version=1" || env[EnvHookSocket] != sock || len(env[EnvPushID]) < 20 {
		t.Errorf("environment: %v", env)
	}
	// The push registration ends with the run.
	if _, ok := run.pushes.take(env[EnvPushID]); ok {
		t.Error("the push is still registered after receive-pack exited")
	}
}

func TestRunnerRefuses(t *testing.T) {
	run, err := NewRunner(RunnerConfig{Launcher: newLauncher(t, fakeGit(t, "exit 0"), t.TempDir())}, nil)
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
	if _, err := NewRunner(RunnerConfig{}, nil); err == nil {
		t.Error("a Runner without a launcher")
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

// TestRunnerPushHooksDir checks that receive-pack alone runs with the
// push's own hooks directory, that the directory goes with the run, and
// that configuration in the server's environment cannot move the hooks.
func TestRunnerPushHooksDir(t *testing.T) {
	t.Setenv("GIT_CONFIG_PARAMETERS", "'core.hooksPath'='/tmp/evil'")
	hooks := t.TempDir()
	if err := InstallHooks(hooks, []string{"/bin/true"}); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "pushes")
	pushes := NewPushes(filepath.Join(t.TempDir(), "hook.sock"))
	if err := pushes.HooksIn(root, hooks); err != nil {
		t.Fatal(err)
	}
	run, err := NewRunner(RunnerConfig{Launcher: newPushLauncher(t, fakeGit(t, argvProbe), hooks, root), Pushes: pushes}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args, env := probe(t, run, Job{Service: ReceivePack, Repo: "acme/x", Dir: dir, Who: auth.Identity{User: "alice"}})
	own, ok := strings.CutPrefix(args[1], "core.hooksPath=")
	if !ok || filepath.Dir(own) != root {
		t.Fatalf("receive-pack argv = %q, want a hooks directory inside %s", args, root)
	}
	if _, ok := env["GIT_CONFIG_PARAMETERS"]; ok {
		t.Errorf("GIT_CONFIG_PARAMETERS reached git: %v", env)
	}
	if left, _ := os.ReadDir(root); len(left) != 0 {
		t.Errorf("push hooks directories left after the run: %v", left)
	}
	args, _ = probe(t, run, Job{Service: UploadPack, Repo: "acme/x", Dir: dir})
	if args[1] != "core.hooksPath="+hooks {
		t.Errorf("upload-pack argv = %q, want the shared hooks directory", args)
	}
}
