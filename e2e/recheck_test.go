package e2e

import (
	"crypto/rand"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// proxy is a slowProxy: its address, and how many client-to-server bytes it
// has passed on.
type proxy struct {
	addr string
	sent atomic.Int64
}

// slowProxy forwards TCP connections to target, passing client-to-server
// bytes at about rate bytes per second, so that a push takes long.
func slowProxy(t *testing.T, target string, rate int) *proxy {
	t.Helper()
	p := &proxy{}
	p.addr = forward(t, target, func(c, s net.Conn) {
		go func() { _, _ = io.Copy(c, s); c.Close() }()
		buf := make([]byte, rate/10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if _, werr := s.Write(buf[:n]); werr != nil {
					return
				}
				p.sent.Add(int64(n))
				time.Sleep(100 * time.Millisecond)
			}
			if err != nil {
				return
			}
		}
	})
	return p
}

// uploading is how far into a push through slowProxy the pack is surely
// being uploaded: the push was authorized about a second ago.
const uploading = 128 << 10

// duringUpload runs the jitgit command once the push through p is uploading
// its pack, and then sends how many bytes p had passed on by the time the
// command was done: fewer than the whole push means the command landed
// before the pack was in, that is, before the re-check.
func duringUpload(t *testing.T, s *server, p *proxy, args ...string) <-chan int64 {
	done := make(chan int64, 1)
	go func() {
		defer close(done)
		for deadline := time.Now().Add(time.Minute); p.sent.Load() < uploading; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("the push did not start uploading within a minute") // not Fatal: this is not the test's goroutine
				return
			}
		}
		cmd := exec.Command(filepath.Join(binDir, "jitgit"), args...)
		cmd.Env = s.env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%v: %v: %s", args, err, out)
		}
		done <- p.sent.Load()
	}()
	return done
}

// checkLandedDuringUpload fails the test if the command of duringUpload was
// done only after the whole push had passed the proxy.
func checkLandedDuringUpload(t *testing.T, p *proxy, done <-chan int64) {
	t.Helper()
	at, ok := <-done
	if ok && at >= p.sent.Load() {
		t.Fatalf("the upload was over before the command was done; the test proves nothing")
	}
}

// commitBig commits 512 KiB that does not compress: through slowProxy at
// 128 KiB/s its push uploads for about four seconds.
func commitBig(t *testing.T, s *server, repo string) {
	t.Helper()
	blob := make([]byte, 1<<19)
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "big.bin"), blob, 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(repo, false, "", "git", "add", "big.bin")
	s.run(repo, false, "", "git", "commit", "-m", "big")
}

// TestPushLandsNothingWhenGrantEndsDuringUpload: the push is authorized when
// it starts, the grant ends while its pack uploads (the server's clock
// passes the end), and the re-check when the refs are applied refuses it. The branch does not
// move and the server keeps none of the pushed commit.
func TestPushLandsNothingWhenGrantEndsDuringUpload(t *testing.T) {
	t.Parallel() // mostly waiting on the slow proxy
	s := startServer(t, "")
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")
	direct := strings.Replace(s.url, "http://", "http://alice:"+token+"@", 1) + "/acme/payments.git"
	s.run(work, false, "", "git", "clone", direct, "payments")
	repo := filepath.Join(work, "payments")
	s.run(repo, false, "", "git", "commit", "--allow-empty", "-m", "base")
	s.run(repo, false, "", "git", "push", "origin", "HEAD:main")
	base, _ := s.run(repo, false, "", "git", "rev-parse", "HEAD")

	// While the pack uploads, the clock moves past the end of the grant.
	commitBig(t, s, repo)
	pushed, _ := s.run(repo, false, "", "git", "rev-parse", "HEAD")
	proxy := slowProxy(t, strings.TrimPrefix(s.url, "http://"), 128<<10)
	slow := "http://alice:" + token + "@" + proxy.addr + "/acme/payments.git"
	ended := duringUpload(t, s, proxy, "debug", "clock", "advance", "1h1s")
	_, stderr := s.run(repo, true, "", "git", "-c", "http.postBuffer=65536", "push", slow, "HEAD:main")
	checkLandedDuringUpload(t, proxy, ended)
	if !strings.Contains(stderr, "pre-receive hook declined") || !strings.Contains(stderr, "no active grant to write acme/payments") {
		t.Fatalf("push not refused at ref update:\n%s", stderr)
	}

	// Check with a fresh grant: main is where it was, the commit is not there.
	s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "read", "--for", "1h")
	out, _ := s.run(work, false, "", "git", "ls-remote", direct, "refs/heads/main")
	if !strings.HasPrefix(out, base) {
		t.Fatalf("main moved to %q, want %s", out, base)
	}
	objects := filepath.Join(s.data, "repos", "acme", "payments.git")
	s.run(objects, true, "", "git", "cat-file", "-e", pushed) // the refused objects were not kept
	evs, _ := s.run(work, false, "", "jitgit", "audit", "list", "--action", "access.write")
	if !strings.Contains(evs, "deny") {
		t.Fatalf("the refused re-check is not in the audit trail:\n%s", evs)
	}
}

// TestPushLandsNothingWhenCredentialsEndDuringUpload: the re-check checks
// the pusher again, user and token, so disabling them or revoking the token
// while the pack uploads refuses the push although the grant still runs.
func TestPushLandsNothingWhenCredentialsEndDuringUpload(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		end  func(token string) []string // the jitgit command that ends the credentials
		want string
	}{
		{"user disabled", func(string) []string { return []string{"user", "disable", "alice"} }, "alice can no longer sign in"},
		{"token revoked", func(token string) []string { return []string{"user", "token", "revoke", "alice", "TOKENID"} }, "the token was revoked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, "")
			work := t.TempDir()
			s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
			s.run(work, false, "", "jitgit", "user", "add", "alice")
			token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
			list, _ := s.run(work, false, "", "jitgit", "user", "token", "list", "alice", "--json")
			tokenID := list[strings.Index(list, `"t_`)+1:]
			tokenID = tokenID[:strings.IndexByte(tokenID, '"')]
			s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")
			s.run(work, false, "", "git", "clone", strings.Replace(s.url, "http://", "http://alice:"+token+"@", 1)+"/acme/payments.git", "payments")
			repo := filepath.Join(work, "payments")
			commitBig(t, s, repo)
			proxy := slowProxy(t, strings.TrimPrefix(s.url, "http://"), 128<<10)
			args := c.end(token)
			for i, a := range args {
				if a == "TOKENID" {
					args[i] = tokenID
				}
			}
			ended := duringUpload(t, s, proxy, args...)
			_, stderr := s.run(repo, true, "", "git", "-c", "http.postBuffer=65536", "push", "http://alice:"+token+"@"+proxy.addr+"/acme/payments.git", "HEAD:main")
			checkLandedDuringUpload(t, proxy, ended)
			if !strings.Contains(stderr, "pre-receive hook declined") || !strings.Contains(stderr, c.want) {
				t.Fatalf("push not refused at ref update:\n%s", stderr)
			}
		})
	}
}
