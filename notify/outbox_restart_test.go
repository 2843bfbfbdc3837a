package notify

import (
	"context"
	"net/http/httptest"
	"testing"
)

// TestOutboxLeadershipMovesBetweenNodes: two nodes' outboxes on one store
// run in turn, as the webhook election moves between them; each run goes
// on from the stored cursor, so the receiver gets every event once.
func TestOutboxLeadershipMovesBetweenNodes(t *testing.T) {
	r := newRig(t)
	rcv := &collector{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	nodes := []*Outbox{r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL}), r.outbox(t, WebhookConfig{Name: "chat", URL: srv.URL})}
	want := 0
	for turn := range 4 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { nodes[turn%2].Run(ctx); close(done) }()
		r.record(t, 3)
		want += 3
		waitFor(t, "this turn's events", func() bool { f, _ := rcv.distinct(); return len(f) == want })
		cancel()
		<-done
	}
	if f, repeats := rcv.distinct(); len(f) != 12 || repeats != 0 {
		t.Fatalf("%d events delivered, %d repeats; want 12 and none", len(f), repeats)
	}
}
