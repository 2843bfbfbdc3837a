package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// testClock is a clock that a worker's backoff moves on: After(d) adds d
// and fires at once, so a minute of retries takes no real time.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.t = c.t.Add(d)
	t := c.t
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- t
	return ch
}

// collector is a receiver that keeps the ids and seqs of what it got, in
// order of arrival, and answers with what status says.
type collector struct {
	mu     sync.Mutex
	ids    []string
	seqs   []uint64
	bodies [][]byte
	sigs   []string
	status func(n int, p Payload) int // n: deliveries seen so far
	seen   int
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	code := http.StatusOK
	if c.status != nil {
		code = c.status(c.seen, p)
	}
	c.seen++
	if code/100 == 2 {
		c.ids = append(c.ids, p.ID)
		c.seqs = append(c.seqs, p.Seq)
		c.bodies = append(c.bodies, b)
		c.sigs = append(c.sigs, r.Header.Get(SignatureHeader))
	}
	c.mu.Unlock()
	w.WriteHeader(code)
}

// distinct returns the ids of first arrivals in order and how many
// arrivals were repeats.
func (c *collector) distinct() (firsts []uint64, repeats int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	for i, id := range c.ids {
		if seen[id] {
			repeats++
			continue
		}
		seen[id] = true
		firsts = append(firsts, c.seqs[i])
	}
	return firsts, repeats
}

type rig struct {
	db    *badgerstore.DB
	trail *audit.Log
	clock *testClock
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	trail := audit.NewLog(db.Events(), clock.Now)
	t.Cleanup(func() { trail.Close(); db.Close() })
	return &rig{db: db, trail: trail, clock: clock}
}

func (r *rig) outbox(t *testing.T, hooks ...WebhookConfig) *Outbox {
	t.Helper()
	for i := range hooks {
		h, err := ValidateWebhook(hooks[i])
		if err != nil {
			t.Fatal(err)
		}
		hooks[i] = h
	}
	ob := NewOutbox(r.db, OutboxOptions{Receivers: hooks, PublicURL: "https://git.example.com", Now: r.clock.Now, After: r.clock.After,
		Client: NewClient(ClientOptions{Timeout: 5 * time.Second})})
	if err := ob.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.trail.Watch(ob.Wake)
	return ob
}

// record appends n wanted events (and a decision, not wanted, between
// each) in batches.
func (r *rig) record(t testing.TB, n int) {
	t.Helper()
	for i := 0; i < n; i += 100 {
		var evs []audit.Event
		for j := i; j < min(n, i+100); j++ {
			evs = append(evs,
				audit.Event{Actor: "admin", Action: "grant.create", Repo: "acme/app", Target: "user:alice", Grant: fmt.Sprintf("g_%d", j), Result: "ok", Detail: "read for 1h: bulk"},
				audit.Event{Actor: "alice", Action: "access.read", Repo: "acme/app", Result: "allow"})
		}
		if err := r.trail.RecordAll(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls cond for up to 60 s of real time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOutboxSlowThenDownThenBack: a receiver that is slow for the first
// deliveries, then answers 503 for a minute (of the test clock), then is
// back, gets every one of 3,000 events, in order, each once by id.
func TestOutboxSlowThenDownThenBack(t *testing.T) {
	r := newRig(t)
	var downUntil time.Time
	rcv := &collector{status: func(n int, _ Payload) int {
		switch {
		case n < 200:
			time.Sleep(time.Millisecond) // a slow receiver
		case n == 1000:
			downUntil = r.clock.Now().Add(time.Minute)
		}
		if r.clock.Now().Before(downUntil) {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ob := r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL, Secret: "s3cret"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { ob.Run(ctx); close(done) }()

	r.record(t, 3000)
	waitFor(t, "3,000 distinct events", func() bool { f, _ := rcv.distinct(); return len(f) >= 3000 })
	firsts, repeats := rcv.distinct()
	if len(firsts) != 3000 {
		t.Fatalf("%d distinct events, want 3000", len(firsts))
	}
	for i := 1; i < len(firsts); i++ {
		if firsts[i] <= firsts[i-1] {
			t.Fatalf("event %d (seq %d) arrived after seq %d: out of order", i, firsts[i], firsts[i-1])
		}
	}
	if repeats != 0 {
		t.Errorf("%d repeats; a 503 is not a delivery, so none were expected", repeats)
	}
	if downUntil.IsZero() || r.clock.Now().Before(downUntil) {
		t.Errorf("the receiver was never down for its minute (clock %s, down until %s)", r.clock.Now(), downUntil)
	}
	// The record of the event that waited out the minute says so.
	waitFor(t, "the cursor at the end", func() bool {
		st, err := ob.Stats(ctx)
		return err == nil && st[0].Behind == 0
	})
	var retried []storage.Delivery
	if err := r.db.View(ctx, func(tx storage.Tx) error {
		ds, err := tx.Deliveries().List("chat", "", 5000)
		for _, d := range ds {
			if d.Attempts > 1 {
				retried = append(retried, d)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(retried) != 1 || retried[0].Status != storage.DeliveryDelivered || retried[0].Attempts < 6 || retried[0].Code != 200 {
		t.Errorf("retried deliveries %+v, want one delivered after 6 or more attempts", retried)
	}
	cancel()
	<-done
}

// TestOutboxGivesUpAfterMaxAge: an event older than the receiver's
// max_age is recorded as failed and the next is sent.
func TestOutboxGivesUpAfterMaxAge(t *testing.T) {
	r := newRig(t)
	var refuse atomic.Bool
	refuse.Store(true)
	rcv := &collector{status: func(n int, p Payload) int {
		if p.Seq == 1 && refuse.Load() { // refused until it ages out
			return http.StatusBadGateway
		}
		return http.StatusOK
	}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ob := r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL, MaxAge: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ob.Run(ctx)
	r.record(t, 1)
	r.clock.After(-2 * time.Hour) // the second event is recent again
	r.record(t, 1)
	waitFor(t, "the second event", func() bool { f, _ := rcv.distinct(); return len(f) == 1 })
	var first storage.Delivery
	waitFor(t, "the failed record", func() bool {
		err := r.db.View(ctx, func(tx storage.Tx) error {
			ds, err := tx.Deliveries().List("chat", storage.DeliveryFailed, 10)
			if len(ds) == 1 {
				first = ds[0]
			}
			return err
		})
		return err == nil && first.Seq != 0
	})
	if first.Seq != 1 || !strings.Contains(first.Error, "502") {
		t.Fatalf("failed record %+v, want event 1 given up with the receiver's 502", first)
	}
	// Redelivery sends it once more.
	refuse.Store(false)
	if err := ob.Redeliver(ctx, "chat:1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the redelivery", func() bool {
		d, ok := ob.current()[0].record(ctx, 1)
		return ok && d.Status == storage.DeliveryDelivered
	})
	if f, _ := rcv.distinct(); len(f) != 2 || f[1] != 1 {
		t.Errorf("deliveries %v, want 3 then the redelivered 1", f)
	}
	if err := ob.Redeliver(ctx, "nobody:1"); err == nil {
		t.Error("redelivery to an unknown receiver accepted")
	}
}

// TestOutboxSignatureVerifies: a delivery verifies by the documented
// procedure (Verify), and fails it when the body, the secret or the time
// is wrong.
func TestOutboxSignatureVerifies(t *testing.T) {
	r := newRig(t)
	rcv := &collector{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ob := r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL, Secret: "s3cret"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ob.Run(ctx)
	if err := r.trail.Record(ctx, audit.Event{Actor: "alice", Action: "request.create", Repo: "acme/payments", Request: "r_abc", Result: "ok", Detail: "write for 2h: <INC-42>"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a delivery", func() bool { f, _ := rcv.distinct(); return len(f) == 1 })
	body, sig := rcv.bodies[0], rcv.sigs[0]
	now := r.clock.Now()
	if err := Verify("s3cret", sig, body, now, 5*time.Minute); err != nil {
		t.Fatalf("Verify: %v (header %q)", err, sig)
	}
	if err := verifyByHand("s3cret", sig, body); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"altered body": Verify("s3cret", sig, append([]byte(" "), body...), now, 5*time.Minute),
		"wrong secret": Verify("other", sig, body, now, 5*time.Minute),
		"replayed":     Verify("s3cret", sig, body, now.Add(10*time.Minute), 5*time.Minute),
		"no timestamp": Verify("s3cret", strings.Split(sig, ",")[1], body, now, 5*time.Minute),
	} {
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID == "" || p.Seq != 1 || p.Type != "request.create" || p.Timestamp.IsZero() ||
		p.URL != "https://git.example.com/requests/r_abc" ||
		!strings.Contains(p.Text, "(write for 2h: &lt;INC-42&gt;) <https://git.example.com/requests/r_abc|review>") {
		t.Errorf("payload %+v", p)
	}
}

// verifyByHand follows docs/webhooks.md step by step with nothing from
// this package, as a receiver in another language would.
func verifyByHand(secret, header string, body []byte) error {
	var ts, sig string
	for _, kv := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(kv, "t="); ok {
			ts = v
		}
		if v, ok := strings.CutPrefix(kv, "sha256="); ok {
			sig = v
		}
	}
	if want := mac(secret, ts, body); sig != want {
		return errors.New("by hand: signature differs")
	}
	return nil
}

// TestOutboxDoesNotFollowRedirects: a receiver that redirects is a
// failed delivery, and the target of the redirect hears nothing.
func TestOutboxDoesNotFollowRedirects(t *testing.T) {
	r := newRig(t)
	target := &collector{}
	tsrv := httptest.NewServer(target)
	defer tsrv.Close()
	redirected := make(chan struct{}, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		redirected <- struct{}{}
		http.Redirect(w, req, tsrv.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	ob := r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ob.Run(ctx)
	r.record(t, 1)
	<-redirected
	waitFor(t, "a failed attempt recorded", func() bool {
		d, ok := ob.current()[0].record(ctx, 1)
		return ok && d.Code == http.StatusTemporaryRedirect && strings.Contains(d.Error, "redirect")
	})
	if f, _ := target.distinct(); len(f) != 0 {
		t.Fatalf("the redirect's target got %d deliveries", len(f))
	}
}

// TestClientRefusesPrivateTargets: with RefusePrivate a loopback
// receiver is refused at dial time; without it, it is reached.
func TestClientRefusesPrivateTargets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, err := NewClient(ClientOptions{RefusePrivate: true}).Get(srv.URL)
	if err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("loopback with RefusePrivate: %v", err)
	}
	resp, err := NewClient(ClientOptions{}).Get(srv.URL)
	if err != nil {
		t.Fatalf("loopback by default: %v", err)
	}
	resp.Body.Close()
}

// TestNewReceiverStartsAtTheEnd: a receiver added to a server with a
// history hears only what happens after it was added.
func TestNewReceiverStartsAtTheEnd(t *testing.T) {
	r := newRig(t)
	r.record(t, 5)
	rcv := &collector{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ob := r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ob.Run(ctx)
	r.record(t, 1)
	waitFor(t, "the new event", func() bool { f, _ := rcv.distinct(); return len(f) == 1 })
	if f, _ := rcv.distinct(); f[0] != 11 {
		t.Fatalf("first delivery is seq %d, want 11 (the first after the receiver was added)", f[0])
	}
}

func TestValidateWebhook(t *testing.T) {
	for _, c := range []WebhookConfig{
		{URL: "ftp://x"}, {URL: "https://u:p@x/"}, {URL: "https://x/", Name: "a/b"},
		{URL: "https://x/", Events: []string{""}}, {URL: "https://x/", MaxAge: time.Second},
	} {
		if _, err := ValidateWebhook(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	c, err := ValidateWebhook(WebhookConfig{URL: "https://chat.example.com/hook"})
	if err != nil || c.Name != "chat.example.com" || c.MaxAge != DefaultMaxAge {
		t.Errorf("defaults: %+v, %v", c, err)
	}
}

// TestDefaultEvents: by default a receiver gets request and grant events
// (grant.expiring included), and failed mirror syncs and audit checks, but
// not their successes nor decisions.
func TestDefaultEvents(t *testing.T) {
	h := WebhookConfig{}
	for _, c := range []struct {
		e    audit.Event
		want bool
	}{
		{audit.Event{Action: "request.create", Result: "ok"}, true},
		{audit.Event{Action: "grant.expiring", Result: "ok"}, true},
		{audit.Event{Action: "breakglass.use", Result: "ok"}, true},
		{audit.Event{Action: "repo.sync", Result: "error"}, true},
		{audit.Event{Action: "repo.sync", Result: "ok"}, false},
		{audit.Event{Action: "audit.verify", Result: "error"}, true},
		{audit.Event{Action: "audit.verify", Result: "ok"}, false},
		{audit.Event{Action: "access.read", Result: "allow"}, false},
		{audit.Event{Action: "user.create", Result: "ok"}, false},
	} {
		if got := wants(h, c.e); got != c.want {
			t.Errorf("%s %s: sent=%t, want %t", c.e.Action, c.e.Result, got, c.want)
		}
	}
	if wants(WebhookConfig{Events: []string{"request.create"}}, audit.Event{Action: "audit.verify", Result: "error"}) {
		t.Error("a receiver with its own events got a failed audit check")
	}
}
