package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveProcess is a `jitgit serve` that the test stops itself.
type serveProcess struct {
	*server
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit, once done is closed
}

// serveIn starts `jitgit serve` with its data in dir/data, and its config
// (written to dir/jitgit.toml) on httpAddr, SSH off, and waits until it
// answers on its HTTP port and admin socket (flags, such as --ssh ADDR,
// come after and override those). The process is killed at the
// end of the test if it still runs.
func serveIn(t *testing.T, dir, httpAddr, config string, flags ...string) *serveProcess {
	t.Helper()
	cfg := filepath.Join(dir, "jitgit.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, data: filepath.Join(dir, "data"), url: "http://" + httpAddr}
	s.env = append(os.Environ(), "JITGIT_DATA="+s.data, "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com")
	p := &serveProcess{server: s, log: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(filepath.Join(binDir, "jitgit"), "serve", "--config", cfg, "--http", httpAddr, "--ssh", "off")
	p.cmd.Args = append(p.cmd.Args, flags...)
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = s.env, p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server log:\n%s", p.log.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", httpAddr); err == nil {
			c.Close()
			if c, err := net.Dial("unix", filepath.Join(s.data, "jitgit.sock")); err == nil {
				c.Close()
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("server exited at start (%v):\n%s", p.err, p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", p.log.String())
		}
	}
}

// stop sends SIGTERM and waits for the process to exit, at most within.
func (p *serveProcess) stop(within time.Duration) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(within):
		p.t.Fatalf("server still runs %s after SIGTERM", within)
		return nil
	}
}

// holdingProxy forwards TCP connections to target. A connection that has
// passed holdAfter bytes from the server stops reading from it until resume
// is closed: the server then waits in the middle of its answer as it would
// for a slow client, once the kernel's buffers are full.
type holdingProxy struct {
	addr   string
	held   chan struct{} // closed when a connection holds
	resume chan struct{}
}

func newHoldingProxy(t *testing.T, target string, holdAfter int64) *holdingProxy {
	t.Helper()
	p := &holdingProxy{held: make(chan struct{}), resume: make(chan struct{})}
	var once sync.Once
	t.Cleanup(func() {
		select {
		case <-p.resume:
		default:
			close(p.resume)
		}
	})
	p.addr = forward(t, target, func(c, s net.Conn) {
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		if _, err := io.CopyN(c, s, holdAfter); err != nil {
			return
		}
		once.Do(func() { close(p.held) })
		<-p.resume
		_, _ = io.Copy(c, s)
	})
	return p
}

// cloneAcrossStop clones a repository with an 8 MiB blob (more than the
// socket buffers between the server and the proxy hold) through a
// holdingProxy, sends the server SIGTERM while the clone is held, waits
// until the server refuses new connections, then calls release, which must
// let the clone go on. It returns the clone's result and the server's exit.
func cloneAcrossStop(t *testing.T, grace string, release func(s *serveProcess)) (work string, s *serveProcess, head string, cloneErr error) {
	dir := t.TempDir()
	httpAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	config := "shutdown_grace = \"" + grace + "\"\n"
	s = serveIn(t, dir, httpAddr, config)
	work = t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")
	s.run(work, false, "", "git", "clone", "http://alice:"+token+"@"+httpAddr+"/acme/payments.git", "payments")
	repo := filepath.Join(work, "payments")
	blob := make([]byte, 8<<20)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "big.bin"), blob, 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(repo, false, "", "git", "add", "big.bin")
	s.run(repo, false, "", "git", "commit", "-m", "big")
	s.run(repo, false, "", "git", "push", "origin", "HEAD:main")
	head, _ = s.run(repo, false, "", "git", "rev-parse", "HEAD")

	proxy := newHoldingProxy(t, httpAddr, 256<<10)
	clone := exec.Command("git", "clone", "http://alice:"+token+"@"+proxy.addr+"/acme/payments.git", "slow")
	clone.Dir, clone.Env = work, s.env
	var cloneOut bytes.Buffer
	clone.Stdout, clone.Stderr = &cloneOut, &cloneOut
	if err := clone.Start(); err != nil {
		t.Fatal(err)
	}
	cloned := make(chan error, 1)
	go func() { cloned <- clone.Wait() }()
	select {
	case <-proxy.held:
	case err := <-cloned:
		t.Fatalf("the clone ended (%v) before it was held\n%s", err, cloneOut.String())
	case <-time.After(30 * time.Second):
		t.Fatal("the clone did not get going")
	}

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", httpAddr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 10s after SIGTERM")
		}
	}
	release(s)
	close(proxy.resume)
	select {
	case cloneErr = <-cloned:
	case <-time.After(time.Minute):
		t.Fatal("the clone did not end")
	}
	if cloneErr != nil {
		t.Logf("clone: %v\n%s", cloneErr, cloneOut.String())
	}
	return work, s, head, cloneErr
}

// verifyAuditAfterRestart starts the server again on s's data and checks
// that its audit trail verifies.
func verifyAuditAfterRestart(t *testing.T, s *serveProcess) {
	t.Helper()
	again := serveIn(t, filepath.Dir(s.data), strings.TrimPrefix(s.url, "http://"), "")
	if out, _ := again.run(t.TempDir(), false, "", "jitgit", "audit", "verify"); out == "" {
		t.Fatal("audit verify printed nothing")
	}
	if err := again.stop(time.Minute); err != nil {
		t.Fatalf("server exit after SIGTERM: %v, want 0", err)
	}
}

// TestSIGTERMLetsACloneFinish: a clone running when the server gets
// SIGTERM completes, while new connections are already refused; then the
// server exits 0, and after a restart its audit trail verifies.
func TestSIGTERMLetsACloneFinish(t *testing.T) {
	t.Parallel()
	const grace = 30 * time.Second
	var signalled time.Time
	work, s, head, err := cloneAcrossStop(t, "30s", func(s *serveProcess) {
		signalled = time.Now()
		select {
		case <-s.done:
			t.Fatalf("the server exited (%v) while a clone runs", s.err)
		default:
		}
	})
	if err != nil {
		t.Fatal("the clone running at SIGTERM failed")
	}
	if took := time.Since(signalled); took > grace {
		t.Fatalf("the clone finished %s after SIGTERM, past the grace", took)
	}
	if got, _ := s.run(filepath.Join(work, "slow"), false, "", "git", "rev-parse", "HEAD"); got != head {
		t.Fatalf("the clone is at %s, want %s", got, head)
	}
	select {
	case <-s.done:
	case <-time.After(grace - time.Since(signalled)):
		t.Fatal("the server still runs after the clone finished")
	}
	if s.err != nil {
		t.Fatalf("server exit after SIGTERM: %v, want 0", s.err)
	}
	verifyAuditAfterRestart(t, s)
}

// TestSIGTERMCutsCloneAfterGrace: a clone that outlasts shutdown_grace is
// cut off, the server still exits 0 at once after the grace, and nothing it
// did on the way out broke the audit trail.
func TestSIGTERMCutsCloneAfterGrace(t *testing.T) {
	t.Parallel()
	_, s, _, err := cloneAcrossStop(t, "1s", func(s *serveProcess) {
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Fatal("the server still runs 30s after SIGTERM with a grace of 1s")
		}
	})
	if err == nil {
		t.Fatal("the clone held past the grace succeeded")
	}
	if s.err != nil {
		t.Fatalf("server exit after SIGTERM: %v, want 0", s.err)
	}
	verifyAuditAfterRestart(t, s)
}

// TestFailedPartStopsServe: when one part cannot start (the SSH address is
// taken) the server does not run in half: it exits non-zero, says what
// failed, and leaves no HTTP port open.
func TestFailedPartStopsServe(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	httpAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "jitgit"), "serve", "--http", httpAddr, "--ssh", taken.Addr().String())
	cmd.Env = append(os.Environ(), "JITGIT_DATA="+filepath.Join(dir, "data"), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("serve with the SSH address taken: %v, want a non-zero exit\n%s", err, out)
	}
	want := "SSH listen on " + taken.Addr().String()
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), "address already in use") {
		t.Fatalf("the error does not say what failed (%q):\n%s", want, out)
	}
	if c, err := net.Dial("tcp", httpAddr); err == nil {
		c.Close()
		t.Fatalf("something listens on the HTTP address %s after the failed start", httpAddr)
	}
}
