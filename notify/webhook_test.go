package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
)

// receiver is a webhook endpoint that records what it got and fails the
// first failFirst deliveries.
type receiver struct {
	mu        sync.Mutex
	bodies    [][]byte
	sigs      []string
	failFirst int
	got       chan struct{}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failFirst > 0 {
		r.failFirst--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	r.bodies = append(r.bodies, b)
	r.sigs = append(r.sigs, req.Header.Get("X-Jitgit-Signature"))
	r.got <- struct{}{}
}

func TestWebhookDeliversSignedRequestEvents(t *testing.T) {
	rcv := &receiver{got: make(chan struct{}, 10), failFirst: 1}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	w := NewWebhooks([]WebhookConfig{{URL: srv.URL, Secret: "s3cret"}}, "https://git.example.com", nil, nil)
	w.backoff = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)

	w.Notify(audit.Event{Seq: 1, Action: "access.read", Actor: "alice", Repo: "acme/payments", Result: "allow"}) // not wanted
	w.Notify(audit.Event{Seq: 2, Action: "request.create", Actor: "alice", Repo: "acme/payments", Request: "r_abc", Detail: "write for 2h: INC-42"})
	select {
	case <-rcv.got:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery after a retry")
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bodies) != 1 {
		t.Fatalf("%d deliveries, want 1 (access events are not sent by default)", len(rcv.bodies))
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(rcv.bodies[0])
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); rcv.sigs[0] != want {
		t.Errorf("signature %q, want %q", rcv.sigs[0], want)
	}
	var p WebhookPayload
	if err := json.Unmarshal(rcv.bodies[0], &p); err != nil {
		t.Fatal(err)
	}
	if p.Event.Seq != 2 || p.URL != "https://git.example.com/requests/r_abc" || !strings.Contains(p.Text, "alice on acme/payments (write for 2h: INC-42)") {
		t.Errorf("payload %+v", p)
	}
}

func TestWebhookNeverBlocksTheCaller(t *testing.T) {
	w := NewWebhooks([]WebhookConfig{{URL: "http://127.0.0.1:1/never"}}, "", nil, nil) // not running: the queue fills
	done := make(chan struct{})
	go func() {
		for i := range 5000 {
			w.Notify(audit.Event{Seq: uint64(i), Action: "grant.create"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Notify blocked on a full queue")
	}
}

func TestValidateWebhook(t *testing.T) {
	for _, c := range []WebhookConfig{
		{URL: "ftp://example.com/x"}, {URL: "https://"}, {URL: "https://user:pw@example.com/x"}, {URL: "not a url"},
		{URL: "https://example.com/x", Events: []string{""}},
	} {
		if err := ValidateWebhook(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := ValidateWebhook(WebhookConfig{URL: "https://chat.example.com/hooks/1", Events: []string{"request.", "grant.revoke"}}); err != nil {
		t.Error(err)
	}
}

// TestWebhookFailureLogsNoURLSecret: receivers such as chat integrations
// carry their credential in the URL's path or query; a failed delivery's
// log line names the host only.
func TestWebhookFailureLogsNoURLSecret(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.Listener.Addr().String()
	srv.Close() // nothing listens there now: the POST fails to connect
	var logs strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	url := "http://" + addr + "/services/T0/B0/xoxb-secret-path?token=query-secret"
	w := NewWebhooks([]WebhookConfig{{URL: url}}, "", nil, log)
	w.backoff = nil
	w.deliver(context.Background(), w.hooks[0], audit.Event{Seq: 1, Action: "request.create"})
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "not delivered") {
		t.Fatalf("no failure logged: %s", logs.String())
	}
	for _, secret := range []string{"xoxb-secret-path", "query-secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows the webhook URL's %s: %s", secret, logs.String())
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestWebhookRunDeliversWhatIsQueuedWhenStopped: events queued before the
// stop are still delivered, and a receiver that hangs holds the stop only
// for the drain time.
func TestWebhookRunDeliversWhatIsQueuedWhenStopped(t *testing.T) {
	rcv := &receiver{got: make(chan struct{}, 10)}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	w := NewWebhooks([]WebhookConfig{{URL: srv.URL}}, "", nil, nil)
	w.Notify(audit.Event{Seq: 1, Action: "grant.create"})
	w.Notify(audit.Event{Seq: 2, Action: "grant.revoke"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	rcv.mu.Lock()
	n := len(rcv.bodies)
	rcv.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d deliveries after the stop, want the 2 queued", n)
	}

	hang := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer stuck.Close()
	defer close(hang)
	w = NewWebhooks([]WebhookConfig{{URL: stuck.URL}}, "", nil, nil)
	w.drainFor = 100 * time.Millisecond
	w.Notify(audit.Event{Seq: 3, Action: "grant.create"})
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the drain time")
	}
}
