package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestApproversHearOfRequestsByWebhook: a request filed from the CLI reaches
// a configured webhook with a link to act on it, and its approval follows.
func TestApproversHearOfRequestsByWebhook(t *testing.T) {
	t.Parallel()
	got := make(chan map[string]any, 10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("webhook body is not JSON: %s", b)
		}
		got <- p
	}))
	defer rcv.Close()
	s := startServer(t, fmt.Sprintf("[[webhook]]\nurl = %q\nsecret = \"x\"\nevents = [\"request.\"]\n", rcv.URL))
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	s.env = append(s.env, "JITGIT_SERVER="+s.url, "JITGIT_TOKEN="+token)
	out, _ := s.run(work, false, "", "jitgit", "request", "create", "--repo", "acme/payments", "--access", "write", "--reason", "INC-42")
	id := strings.Fields(out)[0]

	select {
	case p := <-got:
		ev, _ := p["event"].(map[string]any)
		if ev["action"] != "request.create" || ev["request"] != id || p["url"] != s.url+"/requests/"+id {
			t.Fatalf("webhook payload %v", p)
		}
		if text, _ := p["text"].(string); !strings.Contains(text, "alice on acme/payments") {
			t.Errorf("text %q", text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook for the new request")
	}
	select {
	case p := <-got:
		t.Fatalf("an event the webhook did not ask for: %v", p)
	case <-time.After(300 * time.Millisecond):
	}
}
