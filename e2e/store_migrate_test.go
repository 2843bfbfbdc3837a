package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/etcdtest"
)

// TestStoreMigrateToEtcd: a Badger server's records and audit trail are
// copied into an empty etcd prefix by `jitgit store migrate`; a server on
// etcd then serves the same users, grants and repositories, and its trail
// (the copied chain and what it appended) verifies. A second copy into
// the same prefix is refused, as is a copy while the server runs.
func TestStoreMigrateToEtcd(t *testing.T) {
	cluster := etcdtest.Start(t, 1)
	dir := t.TempDir()
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := serveIn(t, dir, addr, "")
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h")
	s.run(work, false, "", "git", "clone", "http://alice:"+token+"@"+addr+"/acme/payments.git", "before")
	to := "etcd:" + strings.Join(cluster.Endpoints(), ",") + "?prefix=/migrated/"
	migrate := []string{"store", "migrate", "--from", "badger:" + s.data, "--to", to, "--max-txn-ops", fmt.Sprint(etcdtest.MaxTxnOps)}

	_, stderr := s.run(work, true, "", "jitgit", migrate...)
	if !strings.Contains(stderr, "stop it first") {
		t.Fatalf("migrate while the server runs: %s", stderr)
	}
	if err := s.stop(time.Minute); err != nil {
		t.Fatalf("server exit after SIGTERM: %v", err)
	}
	out, _ := s.run(work, false, "", "jitgit", append(migrate, "--json")...)
	var sum struct {
		Records int    `json:"records"`
		Events  uint64 `json:"events"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Records == 0 || sum.Events == 0 {
		t.Fatalf("migrate --json = %s (%v)", out, err)
	}
	_, stderr = s.run(work, true, "", "jitgit", migrate...)
	if !strings.Contains(stderr, "already holds keys under /migrated/") {
		t.Fatalf("a second migrate into the same prefix: %s", stderr)
	}

	// A server on etcd, with the old repositories and signing key.
	config := fmt.Sprintf(`repos = %q
audit_signing_key = %q

[store]
backend = "etcd"
endpoints = [%q]
prefix = "/migrated/"
max_txn_ops = %d
`, filepath.Join(s.data, "repos"), filepath.Join(s.data, "audit-signing.key"), cluster.Endpoints()[0], etcdtest.MaxTxnOps)
	addr2, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	e := serveIn(t, t.TempDir(), addr2, config)
	e.run(work, false, "", "git", "clone", "http://alice:"+token+"@"+addr2+"/acme/payments.git", "after")
	if _, err := os.Stat(filepath.Join(work, "after", ".git")); err != nil {
		t.Fatal(err)
	}
	if out, _ := e.run(work, false, "", "jitgit", "audit", "verify"); out == "" {
		t.Fatal("audit verify printed nothing")
	}
	users, _ := e.run(work, false, "", "jitgit", "user", "list")
	if !strings.Contains(users, "alice") || !strings.Contains(users, "admin") {
		t.Fatalf("users on etcd:\n%s", users)
	}
}
