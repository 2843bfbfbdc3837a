package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/etcdtest"
)

// TestTwoNodesOnEtcd: two `jitgit serve` processes with their own data
// directories, one etcd (embedded in this test) under one prefix, one
// shared repository directory. What node A is told, node B decides by: a
// user, repository and grant made through A let alice clone through B, and
// once A has revoked the grant B refuses her next fetch.
func TestTwoNodesOnEtcd(t *testing.T) {
	cluster := etcdtest.Start(t, 1)
	shared := t.TempDir()
	repos := filepath.Join(shared, "repos")
	config := fmt.Sprintf(`repos = %q
audit_signing_key = %q

[store]
backend = "etcd"
endpoints = [%q]
prefix = "/e2e-two-nodes/"
max_txn_ops = %d
request_timeout = "1s"
`, repos, filepath.Join(shared, "audit-signing.key"), cluster.Endpoints()[0], etcdtest.MaxTxnOps)
	// One signing key for both nodes: each signs checkpoints of the one
	// chain, and verifies the other's at start.
	if _, err := audit.LoadSigningKey(filepath.Join(shared, "audit-signing.key"), true); err != nil {
		t.Fatal(err)
	}
	addrA, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addrB, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	// Each node is entered in the registry under a name of its own.
	a := serveIn(t, t.TempDir(), addrA, config+"\n[cluster]\nnode = \"a\"\n")
	b := serveIn(t, t.TempDir(), addrB, config+"\n[cluster]\nnode = \"b\"\n")

	work := t.TempDir()
	a.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	a.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := a.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	grant, _ := a.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")

	// Alice pushes through A and clones through B.
	a.run(work, false, "", "git", "clone", "http://alice:"+token+"@"+addrA+"/acme/payments.git", "viaA")
	viaA := filepath.Join(work, "viaA")
	if err := os.WriteFile(filepath.Join(viaA, "README"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a.run(viaA, false, "", "git", "add", "README")
	a.run(viaA, false, "", "git", "commit", "-m", "first")
	a.run(viaA, false, "", "git", "push", "origin", "HEAD:main")
	b.run(work, false, "", "git", "clone", "http://alice:"+token+"@"+addrB+"/acme/payments.git", "viaB")
	viaB := filepath.Join(work, "viaB")
	if _, err := os.Stat(filepath.Join(viaB, "README")); err != nil {
		t.Fatalf("the clone through B lacks the push through A: %v", err)
	}
	b.run(viaB, false, "", "git", "fetch", "origin")

	a.run(work, false, "", "jitgit", "grant", "revoke", grant)
	// B learns of the revocation through its etcd watch, within
	// milliseconds; the bound is for a loaded machine.
	refused := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		fetch := exec.Command("git", "fetch", "origin")
		fetch.Dir, fetch.Env = viaB, b.env
		if out, err := fetch.CombinedOutput(); err != nil {
			if !strings.Contains(string(out), "no active grant") {
				t.Fatalf("fetch through B failed, but not for want of a grant: %s", out)
			}
			refused = true
			break
		}
	}
	if !refused {
		t.Fatal("B still serves alice's fetch 5s after A revoked her grant")
	}
	// Without etcd the nodes refuse, and serve again once it is back.
	a.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "read", "--for", "1h")
	fetchB := func() (string, error) {
		fetch := exec.Command("git", "fetch", "origin")
		fetch.Dir, fetch.Env = viaB, b.env
		out, err := fetch.CombinedOutput()
		return string(out), err
	}
	pollFetch := func(what string, ok bool) string {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			out, err := fetchB()
			if (err == nil) == ok {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: fetch through B: %v\n%s", what, err, out)
			}
		}
	}
	pollFetch("after a new grant", true)
	cluster.Stop(0)
	start := time.Now()
	out := pollFetch("with etcd down", false)
	t.Logf("with etcd down, after %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out))
	cluster.Restart(0)
	pollFetch("with etcd back", true)

	// Both nodes' decisions are in one chain.
	if out, _ := b.run(work, false, "", "jitgit", "audit", "verify"); out == "" {
		t.Fatal("audit verify printed nothing")
	}
}
