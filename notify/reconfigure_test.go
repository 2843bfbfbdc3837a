package notify

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSetReceiversWhileRunning: a reload that adds a receiver starts it at
// the end of the trail; one that changes a receiver's secret keeps its
// place and signs with the new secret; one that removes it stops it. What
// changed is named, never shown.
func TestSetReceiversWhileRunning(t *testing.T) {
	r := newRig(t)
	chat, ops := &collector{}, &collector{}
	chatSrv, opsSrv := httptest.NewServer(chat), httptest.NewServer(ops)
	defer chatSrv.Close()
	defer opsSrv.Close()
	ob := r.outbox(t, WebhookConfig{Name: "chat", URL: chatSrv.URL, Secret: "old-secret"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ob.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	got := func(c *collector) int { f, _ := c.distinct(); return len(f) }

	r.record(t, 5)
	waitFor(t, "5 events to chat", func() bool { return got(chat) == 5 })
	set := func(hooks ...WebhookConfig) []string {
		t.Helper()
		for i := range hooks {
			h, err := ValidateWebhook(hooks[i])
			if err != nil {
				t.Fatal(err)
			}
			hooks[i] = h
		}
		changes, err := ob.SetReceivers(ctx, hooks)
		if err != nil {
			t.Fatal(err)
		}
		return changes
	}
	changes := set(WebhookConfig{Name: "chat", URL: chatSrv.URL, Secret: "new-secret"}, WebhookConfig{Name: "ops", URL: opsSrv.URL})
	if want := []string{"webhook chat changed: secret", "webhook ops added"}; !slices.Equal(changes, want) {
		t.Errorf("changes %q, want %q", changes, want)
	}
	for _, c := range changes {
		if strings.Contains(c, "-secret") || strings.Contains(c, opsSrv.URL) {
			t.Errorf("a change shows a secret or a URL: %q", c)
		}
	}
	r.record(t, 3)
	waitFor(t, "8 events to chat, 3 to ops", func() bool { return got(chat) == 8 && got(ops) == 3 })
	if firsts, _ := ops.distinct(); firsts[0] != 11 {
		t.Errorf("the added receiver's first event is %d, want 11 (the first after the reload)", firsts[0])
	}
	chat.mu.Lock()
	last, lastBody := chat.sigs[len(chat.sigs)-1], chat.bodies[len(chat.bodies)-1]
	chat.mu.Unlock()
	if err := Verify("new-secret", last, lastBody, r.clock.Now(), time.Minute); err != nil {
		t.Errorf("after the change, chat's delivery does not verify with the new secret: %v", err)
	}

	if changes := set(WebhookConfig{Name: "ops", URL: opsSrv.URL}); !slices.Equal(changes, []string{"webhook chat removed"}) {
		t.Errorf("changes %q", changes)
	}
	r.record(t, 2)
	waitFor(t, "5 events to ops", func() bool { return got(ops) == 5 })
	if n := got(chat); n != 8 {
		t.Errorf("the removed receiver got %d events, want the 8 it had", n)
	}
	if names := ob.Receivers(); !slices.Equal(names, []string{"ops"}) {
		t.Errorf("receivers %q", names)
	}
}
