package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/notify"
)

// hookSink is a webhook receiver that verifies each delivery's signature
// by the documented procedure and keeps the ids of what it took; while
// down it answers 503.
type hookSink struct {
	secret string
	down   atomic.Bool
	mu     sync.Mutex
	ids    []string
	types  map[string]string
	bad    []string
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if h.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var p notify.Payload
	err := json.Unmarshal(b, &p)
	if err == nil {
		// The test clock of a server may run ahead: the tolerance here is
		// wide, the check of the procedure is the HMAC.
		err = notify.Verify(h.secret, r.Header.Get(notify.SignatureHeader), b, time.Now(), 365*24*time.Hour)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.bad = append(h.bad, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.ids = append(h.ids, p.ID)
	if h.types == nil {
		h.types = map[string]string{}
	}
	h.types[p.ID] = p.Type
	w.WriteHeader(http.StatusNoContent)
}

// distinct counts the distinct ids taken of type typ, and all arrivals.
func (h *hookSink) distinct(typ string) (n, arrivals int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	for _, id := range h.ids {
		if !seen[id] && h.types[id] == typ {
			n++
		}
		seen[id] = true
	}
	return n, len(h.ids)
}

// TestKilledServerDeliversItsOutboxAfterRestart: with the receiver down,
// 500 grants are made (500 events waiting, one of them being retried);
// the server is killed with SIGKILL; the receiver comes back; after a
// restart every one of the 500 arrives, signed. The deliveries show up in
// `webhook deliveries`, and `webhook redeliver` sends one again.
func TestKilledServerDeliversItsOutboxAfterRestart(t *testing.T) {
	t.Parallel()
	sink := &hookSink{secret: "e2e-webhook-secret"}
	sink.down.Store(true)
	rcv := httptest.NewServer(sink)
	defer rcv.Close()
	config := fmt.Sprintf("[[webhook]]\nname = \"ops\"\nurl = %q\nsecret = %q\nevents = [\"grant.\"]\n", rcv.URL, sink.secret)
	dir := t.TempDir()
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := serveIn(t, dir, addr, config)
	s.run(dir, false, "", "jitgit", "repo", "create", "acme/payments")
	c := socketClient(s.data)
	var ngs []api.NewGrant
	for i := range 500 {
		name := fmt.Sprintf("u%03d", i)
		if !post(c, "/api/v1/users", api.NewUser{Name: name}, nil) {
			t.Fatalf("user %s not made", name)
		}
		ngs = append(ngs, api.NewGrant{User: name, Repo: "acme/payments", Access: "read", Duration: "1h", Reason: "bulk"})
	}
	var made []api.Grant
	if !post(c, "/api/v1/grants/bulk", api.NewGrants{Grants: ngs}, &made) || len(made) != 500 {
		t.Fatalf("bulk grant made %d", len(made))
	}
	// The first grant's event is being retried: the receiver is down.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, _ := s.run(dir, false, "", "jitgit", "webhook", "deliveries", "--failed", "--receiver", "ops", "--json")
		var ds []api.Delivery
		if err := json.Unmarshal([]byte(out), &ds); err != nil {
			t.Fatalf("webhook deliveries --json: %v\n%s", err, out)
		}
		if len(ds) > 0 && ds[0].Status == "retrying" && ds[0].Code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retrying delivery listed: %s", out)
		}
	}
	if n, _ := sink.distinct("grant.create"); n != 0 {
		t.Fatalf("%d grant events arrived while the receiver was down", n)
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
	sink.down.Store(false)
	s = serveIn(t, dir, addr, config)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if n, _ := sink.distinct("grant.create"); n == 500 {
			break
		}
		if time.Now().After(deadline) {
			n, all := sink.distinct("grant.create")
			t.Fatalf("after the restart %d of 500 grant events arrived (%d deliveries, bad: %v)", n, all, sink.bad)
		}
	}
	if len(sink.bad) > 0 {
		t.Errorf("deliveries that failed verification: %v", sink.bad)
	}
	// The records are stored with the cursor, within a second.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		out, _ := s.run(dir, false, "", "jitgit", "webhook", "deliveries", "--receiver", "ops", "--limit", "3")
		if strings.Contains(out, "ops:") && strings.Contains(out, "delivered") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook deliveries:\n%s", out)
		}
	}
	_, before := sink.distinct("grant.create")
	var ds []api.Delivery
	out, _ := s.run(dir, false, "", "jitgit", "webhook", "deliveries", "--receiver", "ops", "--limit", "1", "--json")
	if err := json.Unmarshal([]byte(out), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries --json: %v %s", err, out)
	}
	s.run(dir, false, "", "jitgit", "webhook", "redeliver", ds[0].ID)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, all := sink.distinct("grant.create"); all > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the redelivery did not arrive")
		}
	}
	_, stderr := s.run(dir, true, "", "jitgit", "webhook", "redeliver", "nobody:1")
	if !strings.Contains(stderr, "nobody") {
		t.Errorf("redeliver to an unknown receiver: %q", stderr)
	}
}
