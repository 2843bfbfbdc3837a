package e2e

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/etcdtest"
)

// TestStoreUnavailableIsNotAnAuthenticationFailure: with its etcd down a
// node refuses Git over HTTP with 503, Retry-After and a line naming the
// store, and over SSH with that line on stderr and a failing exit; neither
// says the credentials were wrong, and both serve again once etcd is back.
// The API answers 503 too.
func TestStoreUnavailableIsNotAnAuthenticationFailure(t *testing.T) {
	etcd := etcdtest.Start(t, 1)
	dir := t.TempDir()
	config := `[store]
backend = "etcd"
endpoints = ["` + etcd.Endpoints()[0] + `"]
prefix = "/e2e-unavailable/"
request_timeout = "1s"
`
	httpAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	sshAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := serveIn(t, dir, httpAddr, config, "--ssh", sshAddr)
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "read", "--for", "1h")
	key := filepath.Join(work, "alice")
	s.run(work, false, "", "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
	s.run(work, false, "", "jitgit", "user", "key", "add", "alice", key+".pub")
	sshCommand := "ssh -i " + key + " -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR"
	host, port, _ := strings.Cut(sshAddr, ":")
	httpURL := "http://alice:" + token + "@" + httpAddr + "/acme/payments.git"
	sshURL := "ssh://git@" + host + ":" + port + "/acme/payments.git"
	lsRemote := func(url string) (string, error) {
		cmd := exec.Command("git", "ls-remote", url)
		cmd.Dir, cmd.Env = work, append(s.env, "GIT_SSH_COMMAND="+sshCommand)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	poll := func(what, url string, ok bool) string {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			out, err := lsRemote(url)
			if (err == nil) == ok {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: git ls-remote %s: %v\n%s", what, url, err, out)
			}
		}
	}
	poll("etcd up, HTTP", httpURL, true)
	poll("etcd up, SSH", sshURL, true)

	etcd.Stop(0)
	out := poll("etcd down, HTTP", httpURL, false)
	if !strings.Contains(out, "cannot reach its store") || strings.Contains(out, "Authentication failed") {
		t.Errorf("git over HTTP with etcd down printed: %s", out)
	}
	req, _ := http.NewRequest("GET", "http://"+httpAddr+"/acme/payments.git/info/refs?service=git-upload-pack", nil)
	req.SetBasicAuth("alice", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("info/refs with etcd down: %s, Retry-After %q, WWW-Authenticate %q; want 503 with Retry-After and no challenge",
			resp.Status, resp.Header.Get("Retry-After"), resp.Header.Get("WWW-Authenticate"))
	}
	// The API, with a bearer token, says the same with 503.
	req, _ = http.NewRequest("GET", "http://"+httpAddr+"/api/v1/access/check?repo=acme/payments&access=read", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "cannot reach its store") {
		t.Errorf("API access check with etcd down: %s, Retry-After %q: %s; want 503 naming the store", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	out = poll("etcd down, SSH", sshURL, false)
	if !strings.Contains(out, "jitgit: the server cannot reach its store; try again shortly") || strings.Contains(out, "Permission denied") {
		t.Errorf("git over SSH with etcd down printed: %s", out)
	}

	etcd.Restart(0)
	// Nothing was counted against the address: the first attempts after
	// etcd is back are served, not throttled.
	poll("etcd back, HTTP", httpURL, true)
	poll("etcd back, SSH", sshURL, true)
	if _, err := os.Stat(key); err != nil {
		t.Fatal(err)
	}
}
