package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/etcdtest"
)

// TestClusterSurvivesFailures is the failure drill of a two-node cluster:
// three etcd members, two `jitgit serve` processes with their own data
// directories and checkpoint keys (each trusting the other's through
// [cluster] audit_keys), one shared repository directory. It kills node A
// in the middle of a push, stops etcd members one and two at a time, and at
// the end checks that the one audit chain verifies and holds every access
// that was allowed.
func TestClusterSurvivesFailures(t *testing.T) {
	etcd := etcdtest.Start(t, 3)
	shared := t.TempDir()
	repos := filepath.Join(shared, "repos")
	dirA, dirB := t.TempDir(), t.TempDir()
	keyA, keyB := filepath.Join(dirA, "audit-a.key"), filepath.Join(dirB, "audit-b.key")
	pubA, pubB := filepath.Join(shared, "a.pub"), filepath.Join(shared, "b.pub")
	for _, k := range [][2]string{{keyA, pubA}, {keyB, pubB}} {
		priv, err := audit.LoadSigningKey(k[0], true)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(k[1], audit.PublicKeyPEM(priv.Public().(ed25519.PublicKey)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	endpoints, _ := json.Marshal(etcd.Endpoints())
	config := func(node, key, peer string) string {
		return fmt.Sprintf(`repos = %q
audit_signing_key = %q

[store]
backend = "etcd"
endpoints = %s
prefix = "/e2e-failures/"
max_txn_ops = %d
request_timeout = "1s"

[cluster]
node = %q
lease_ttl = "1s"
audit_keys = [%q]
`, repos, key, endpoints, etcdtest.MaxTxnOps, node, peer)
	}
	addrA, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addrB, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	a := serveIn(t, dirA, addrA, config("a", keyA, pubB))
	b := serveIn(t, dirB, addrB, config("b", keyB, pubA))

	work := t.TempDir()
	a.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	a.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := a.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	grant, _ := a.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")
	urlA := "http://alice:" + token + "@" + addrA + "/acme/payments.git"
	urlB := "http://alice:" + token + "@" + addrB + "/acme/payments.git"

	// allowed counts the git commands that succeeded: each stands for at
	// least one allowed access whose event must be in the trail.
	allowed := 0
	git := func(s *serveProcess, dir string, args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, s.env
		out, err := cmd.CombinedOutput()
		if err == nil && slices.Contains([]string{"clone", "fetch", "push", "ls-remote"}, args[0]) {
			allowed++
		}
		return string(out), err
	}
	mustGit := func(s *serveProcess, dir string, args ...string) string {
		t.Helper()
		out, err := git(s, dir, args...)
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	// poll runs git until its success is ok, for at most 20 s.
	poll := func(what string, ok bool, s *serveProcess, dir string, args ...string) string {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			out, err := git(s, dir, args...)
			if (err == nil) == ok {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: git %s: %v\n%s", what, strings.Join(args, " "), err, out)
			}
		}
	}

	// Clones through either node.
	mustGit(a, work, "clone", urlA, "viaA")
	viaA := filepath.Join(work, "viaA")
	if err := os.WriteFile(filepath.Join(viaA, "README"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(a, viaA, "add", "README")
	mustGit(a, viaA, "commit", "-q", "-m", "first")
	mustGit(a, viaA, "push", "-q", "origin", "HEAD:main")
	mustGit(b, work, "clone", urlB, "viaB")
	viaB := filepath.Join(work, "viaB")
	if _, err := os.Stat(filepath.Join(viaB, "README")); err != nil {
		t.Fatalf("the clone through B lacks the push through A: %v", err)
	}

	// Cluster status through either node: both nodes, a leader per job.
	status := func(s *serveProcess) api.ClusterStatus {
		t.Helper()
		out, _ := s.run(work, false, "", "jitgit", "cluster", "status", "--json")
		var st api.ClusterStatus
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("cluster status --json: %v\n%s", err, out)
		}
		return st
	}
	pollStatus := func(what string, s *serveProcess, within time.Duration, ok func(api.ClusterStatus) bool) api.ClusterStatus {
		t.Helper()
		for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
			st := status(s)
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: cluster status after %v: %+v", what, within, st)
			}
		}
	}
	nodes := func(st api.ClusterStatus) []string {
		var names []string
		for _, n := range st.Nodes {
			names = append(names, n.Name)
		}
		slices.Sort(names)
		return names
	}
	everyJobLedBy := func(st api.ClusterStatus, leaders ...string) bool {
		if len(st.Jobs) == 0 {
			return false
		}
		for _, j := range st.Jobs {
			if !slices.Contains(leaders, j.Leader) {
				return false
			}
		}
		return true
	}
	for _, s := range []*serveProcess{a, b} {
		st := pollStatus("both nodes", s, 10*time.Second, func(st api.ClusterStatus) bool {
			return slices.Equal(nodes(st), []string{"a", "b"}) && everyJobLedBy(st, "a", "b")
		})
		for _, n := range st.Nodes {
			if !n.Trusted {
				t.Errorf("node %s's checkpoint key is not trusted by %s: %+v", n.Name, st.Node, st)
			}
		}
		// The store's caches follow etcd's revisions: the status says
		// which one this node has applied.
		if st.Watch == nil || st.Watch.Revision <= 0 {
			t.Errorf("cluster status through %s shows no watch lag: %+v", st.Node, st.Watch)
		}
	}

	// Revoke through A: B refuses the next fetch.
	a.run(work, false, "", "jitgit", "grant", "revoke", grant)
	out := poll("after the revocation", false, b, viaB, "fetch", "origin")
	if !strings.Contains(out, "no active grant") {
		t.Fatalf("fetch through B failed, but not for want of a grant: %s", out)
	}
	a.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")
	poll("after a new grant", true, b, viaB, "fetch", "origin")

	// Kill -9 node A while it receives a push of several MB: the proxy in
	// front of A holds the upload once 1 MiB has passed, so A is killed
	// with the pack half received.
	old := strings.TrimSpace(mustGit(b, viaB, "rev-parse", "origin/main"))
	big := make([]byte, 6<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(viaA, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(a, viaA, "add", "big.bin")
	mustGit(a, viaA, "commit", "-q", "-m", "big")
	pushed := strings.TrimSpace(mustGit(a, viaA, "rev-parse", "HEAD"))
	hold := newUploadHold(t, addrA, 1<<20)
	pushDone := make(chan string, 1)
	go func() {
		cmd := exec.Command("git", "push", "http://alice:"+token+"@"+hold.addr+"/acme/payments.git", "HEAD:main")
		cmd.Dir, cmd.Env = viaA, a.env
		out, err := cmd.CombinedOutput()
		pushDone <- fmt.Sprintf("err=%v\n%s", err, out)
	}()
	select {
	case <-hold.held:
	case res := <-pushDone:
		t.Fatalf("the push ended before its upload was held: %s", res)
	case <-time.After(30 * time.Second):
		t.Fatal("the push's upload did not reach 1 MiB within 30s")
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	close(hold.resume)
	select {
	case res := <-pushDone:
		t.Logf("the push through the killed node: %s", strings.TrimSpace(res))
	case <-time.After(30 * time.Second):
		t.Fatal("the push through the killed node did not end within 30s")
	}
	// The ref is the old commit or the new one, and the repository is whole.
	ref := strings.Fields(poll("ls-remote through B after the kill", true, b, viaB, "ls-remote", urlB, "refs/heads/main"))
	if len(ref) == 0 || (ref[0] != old && ref[0] != pushed) {
		t.Fatalf("main through B is %v, neither the old %s nor the pushed %s", ref, old, pushed)
	}
	t.Logf("main after the kill: %s (old %s, pushed %s)", ref[0], old, pushed)
	repo := filepath.Join(repos, "acme", "payments.git")
	if out, err := exec.Command("git", "-C", repo, "fsck", "--no-progress").CombinedOutput(); err != nil || bytes.Contains(out, []byte("error")) {
		t.Fatalf("git fsck of the shared repository after the kill: %v\n%s", err, out)
	}
	mustGit(b, work, "clone", "-q", urlB, "afterKill")
	// B leads every job within a few lease TTLs (1s here).
	start := time.Now()
	pollStatus("B takes over", b, 10*time.Second, func(st api.ClusterStatus) bool {
		return slices.Equal(nodes(st), []string{"b"}) && everyJobLedBy(st, "b")
	})
	t.Logf("B led every job %v after A was killed", time.Since(start).Round(10*time.Millisecond))

	// One etcd member down: clones and decisions go on.
	etcd.Stop(0)
	poll("one member down", true, b, work, "clone", "-q", urlB, "oneDown")
	mustGit(b, viaB, "fetch", "origin")
	b.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "read", "--for", "2h")
	// Two down: no quorum, the fetch is refused with a message naming the
	// cause, and served again once a member is back.
	etcd.Stop(1)
	start = time.Now()
	out = poll("two members down", false, b, viaB, "fetch", "origin")
	t.Logf("with two of three members down, after %v, git printed: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out))
	if strings.Contains(out, "Authentication failed") || !strings.Contains(out, "cannot reach its store") {
		t.Errorf("with etcd without quorum the fetch's message does not name the store: %s", out)
	}
	etcd.Restart(1)
	poll("a member back", true, b, viaB, "fetch", "origin")

	// The one chain verifies through B and holds every allowed access.
	out, _ = b.run(work, false, "", "jitgit", "audit", "verify")
	if !strings.HasPrefix(out, "intact:") {
		t.Fatalf("audit verify through B: %s", out)
	}
	out, _ = b.run(work, false, "", "jitgit", "audit", "list", "--json", "--user", "alice", "--action", "access.", "--result", "allow")
	var evs []api.Event
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		t.Fatalf("audit list --json: %v", err)
	}
	if len(evs) < allowed {
		t.Fatalf("the trail holds %d allowed accesses of alice, but %d git commands of hers succeeded", len(evs), allowed)
	}
	t.Logf("%d git commands succeeded; the trail holds %d allowed accesses", allowed, len(evs))
}

// uploadHold forwards TCP connections to target and holds the bytes from
// client to server once holdAfter have passed on one connection, until
// resume is closed: a push's upload stops half-way, as on a slow link.
type uploadHold struct {
	addr   string
	held   chan struct{}
	resume chan struct{}
}

func newUploadHold(t *testing.T, target string, holdAfter int64) *uploadHold {
	t.Helper()
	h := &uploadHold{held: make(chan struct{}), resume: make(chan struct{})}
	var once sync.Once
	var n atomic.Int64
	h.addr = forward(t, target, func(c, s net.Conn) {
		go func() { _, _ = io.Copy(c, s); c.Close() }()
		buf := make([]byte, 32<<10)
		for {
			k, err := c.Read(buf)
			if k > 0 {
				if _, werr := s.Write(buf[:k]); werr != nil {
					return
				}
				if n.Add(int64(k)) > holdAfter {
					once.Do(func() { close(h.held) })
					<-h.resume
					_, _ = io.Copy(s, c)
					return
				}
			}
			if err != nil {
				s.(*net.TCPConn).CloseWrite()
				return
			}
		}
	})
	return h
}
