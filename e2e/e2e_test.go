// Package e2e drives the real jitgit binary with the real git CLI. Each
// testdata/*.txtar file is a shell-like session (github.com/rogpeppe/go-internal/testscript).
package e2e

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// binDir holds the jitgit binary built once for every script.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	// These tests wait on git, ssh, Chromium and slow proxies far more
	// than on a CPU: run more of them at once than there are cores, unless
	// -parallel says otherwise.
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		flag.Set("test.parallel", "6")
	}
	dir, err := os.MkdirTemp("", "jitgit-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binDir = dir
	// The test build's clock moves on `jitgit debug clock advance`, so no
	// test sleeps out a grant.
	build := exec.Command("go", "build", "-tags", "jitgit_testclock", "-o", filepath.Join(dir, "jitgit"), "../cmd/jitgit")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build jitgit:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		Setup:               setup,
		Cmds:                commands,
		RequireExplicitExec: true,
	})
}

// nextPort is the next port freePort tries. The ports come from below
// Linux's ephemeral range (32768 and up): a port the kernel handed out and
// took back is soon the source port of some git or ssh client's
// connection, and a server started on it then fails to bind.
var nextPort atomic.Uint32

func init() { nextPort.Store(20000 + uint32(os.Getpid()%1000)*10) }

// freePort returns a loopback address nobody listens on right now, a
// different one on every call.
func freePort() (string, error) {
	for range 1000 {
		port := 20000 + (nextPort.Add(1)-20000)%12000
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		defer ln.Close()
		return ln.Addr().String(), nil
	}
	return "", errors.New("no free port in 20000-31999")
}

func setup(env *testscript.Env) error {
	httpAddr, err := freePort()
	if err != nil {
		return err
	}
	sshAddr, err := freePort()
	if err != nil {
		return err
	}
	env.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	env.Setenv("HOME", env.WorkDir)
	env.Setenv("JITGIT_DATA", filepath.Join(env.WorkDir, "data"))
	env.Setenv("JITGIT_HTTP", httpAddr)
	env.Setenv("JITGIT_SSH", sshAddr)
	env.Setenv("HTTP", httpAddr)
	env.Setenv("SSH", sshAddr)
	env.Setenv("SSH_PORT", sshAddr[strings.LastIndexByte(sshAddr, ':')+1:])
	env.Setenv("GIT_TERMINAL_PROMPT", "0")
	env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	gitconfig := "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
	return os.WriteFile(filepath.Join(env.WorkDir, ".gitconfig"), []byte(gitconfig), 0o644)
}

var commands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// waitserver waits until the server started in the background answers
	// on its admin socket and its HTTP port.
	"hangup": hangup,
	"waitserver": func(ts *testscript.TestScript, neg bool, args []string) {
		sock := filepath.Join(ts.Getenv("JITGIT_DATA"), "jitgit.sock")
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			c1, err1 := net.Dial("unix", sock)
			c2, err2 := net.Dial("tcp", ts.Getenv("HTTP"))
			if err1 == nil {
				c1.Close()
			}
			if err2 == nil {
				c2.Close()
			}
			if err1 == nil && err2 == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		ts.Fatalf("server did not come up within 30s")
	},
	// waitssh waits until the server started in the background answers on
	// its SSH port.
	"waitssh": func(ts *testscript.TestScript, neg bool, args []string) {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if c, err := net.Dial("tcp", ts.Getenv("SSH")); err == nil {
				c.Close()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		ts.Fatalf("SSH did not come up within 30s")
	},
	// waitfor REGEXP COMMAND [ARGS...] runs the command until its stdout
	// matches REGEXP, for what happens in the background (a waiting client,
	// the request sweeper); stdout is then the matching run's.
	"waitfor": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 2 {
			ts.Fatalf("usage: waitfor REGEXP COMMAND [ARGS...]")
		}
		re := regexp.MustCompile(args[0])
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			err := ts.Exec(args[1], args[2:]...)
			if err == nil && re.MatchString(ts.ReadFile("stdout")) {
				return
			}
			if time.Now().After(deadline) {
				ts.Fatalf("%s: no output matching %q within 30s (last error: %v)", strings.Join(args[1:], " "), args[0], err)
			}
		}
	},
	// setenv-match [-stderr] NAME REGEXP sets NAME to the first group
	// REGEXP matches in the last command's stdout (or stderr).
	"setenv-match": func(ts *testscript.TestScript, neg bool, args []string) {
		file := "stdout"
		if len(args) > 0 && args[0] == "-stderr" {
			file, args = "stderr", args[1:]
		}
		if len(args) != 2 {
			ts.Fatalf("usage: setenv-match [-stderr] NAME REGEXP")
		}
		m := regexp.MustCompile(args[1]).FindStringSubmatch(ts.ReadFile(file))
		if len(m) < 2 {
			ts.Fatalf("%s does not match %q", file, args[1])
		}
		ts.Setenv(args[0], m[1])
	},
	// setenv-stdout NAME sets NAME to the last command's stdout, trimmed.
	"setenv-stdout": func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: setenv-stdout NAME")
		}
		ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
	},
}
