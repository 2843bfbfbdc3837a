package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// receiver is a webhook receiver that passes on the audit action and
// target of every delivery.
func receiver(t *testing.T) (*httptest.Server, chan string) {
	got := make(chan string, 100)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Event struct{ Action, Target string }
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("webhook body is not JSON: %s", b)
		}
		got <- p.Event.Action + " " + p.Event.Target
	}))
	t.Cleanup(rcv.Close)
	return rcv, got
}

// next returns the next delivery, failing after a while without one.
func next(t *testing.T, got chan string, what string) string {
	t.Helper()
	select {
	case d := <-got:
		return d
	case <-time.After(20 * time.Second):
		t.Fatalf("no delivery: %s", what)
	}
	return ""
}

// TestReloadAppliesWebhooksAndLimits: `jitgit config reload` adds a
// webhook receiver, which hears the next event; a limit it changes holds
// for the next request; a key that takes a restart is named and kept; a
// reload that removes the receiver stops its deliveries; an invalid file
// changes nothing and names the key and its line. No secret reaches the
// answer or the trail.
func TestReloadAppliesWebhooksAndLimits(t *testing.T) {
	t.Parallel()
	one, got1 := receiver(t)
	two, got2 := receiver(t)
	s := startServer(t, "[limits]\nmax_reason = 1000\n")
	conf := filepath.Join(filepath.Dir(s.data), "jitgit.toml")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/app")
	s.run(work, false, "", "jitgit", "user", "add", "alice")

	hook := func(name, url string) string {
		return fmt.Sprintf("[[webhook]]\nname = %q\nurl = %q\nsecret = \"s3cr3t-%s\"\nevents = [\"user.\"]\n", name, url, name)
	}
	write("shutdown_grace = \"10s\"\n[limits]\nmax_reason = 10\n" + hook("one", one.URL))
	_, answer := s.run(work, false, "", "jitgit", "config", "reload")
	for _, want := range []string{"webhook one added", "limits.max_reason 1000 → 10", "shutdown_grace take a restart"} {
		if !strings.Contains(answer, want) {
			t.Errorf("reload answered %q, want %q in it", answer, want)
		}
	}
	s.run(work, false, "", "jitgit", "user", "add", "bob")
	if d := next(t, got1, "user.create bob to the receiver added by the reload"); d != "user.create bob" {
		t.Errorf("first delivery to the new receiver: %q, want user.create bob (it starts at the end of the trail)", d)
	}
	_, refused := s.run(work, true, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/app", "--access", "read", "--for", "1h", "--reason", "longer than ten")
	if !strings.Contains(refused, "reason") {
		t.Errorf("a reason over the reloaded max_reason: %q", refused)
	}

	// Receiver one goes, two comes: one hears nothing more.
	write("[limits]\nmax_reason = 10\n" + hook("two", two.URL))
	_, answer = s.run(work, false, "", "jitgit", "config", "reload")
	if !strings.Contains(answer, "webhook one removed") || !strings.Contains(answer, "webhook two added") {
		t.Errorf("reload answered %q", answer)
	}
	s.run(work, false, "", "jitgit", "user", "add", "carol")
	s.run(work, false, "", "jitgit", "user", "add", "dave")
	for _, want := range []string{"user.create carol", "user.create dave"} {
		if d := next(t, got2, want); d != want {
			t.Errorf("receiver two got %q, want %q", d, want)
		}
	}
	select {
	case d := <-got1:
		t.Errorf("the removed receiver got %q", d)
	default:
	}

	// An invalid file: nothing changes, the key and its line are named.
	write("[limits]\nmax_reason = 500\napprovals = -1\n")
	_, bad := s.run(work, true, "", "jitgit", "config", "reload")
	if !strings.Contains(bad, "limits.approvals") || !strings.Contains(bad, "line 3") || !strings.Contains(bad, "the running config is kept") {
		t.Errorf("invalid reload answered %q", bad)
	}
	s.run(work, true, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/app", "--access", "read", "--for", "1h", "--reason", "longer than ten")
	s.run(work, false, "", "jitgit", "user", "add", "erin")
	if d := next(t, got2, "user.create erin after the invalid reload"); d != "user.create erin" {
		t.Errorf("receiver two got %q after the invalid reload", d)
	}

	trail, _ := s.run(work, false, "", "jitgit", "audit", "list", "--action", "config.reload", "--json")
	if strings.Contains(trail+answer, "s3cr3t") {
		t.Errorf("a webhook secret is on the record or in the answer:\n%s", trail)
	}
	if !strings.Contains(trail, "webhook two added") {
		t.Errorf("the applied changes are not on the record:\n%s", trail)
	}
}
