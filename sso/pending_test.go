package sso

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestPendingBounded: one client cannot hold more than its share of the
// sign-ins under way, others still can start, a state is taken once, and
// lapsed ones make room again.
func TestPendingBounded(t *testing.T) {
	now := time.Now()
	l := newPendingLogins(func() time.Time { return now })
	for i := range maxPendingPerClient {
		if err := l.put(fmt.Sprint("s", i), pending{client: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.put("one-more", pending{client: "10.0.0.1"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("over the client's share: %v", err)
	}
	if err := l.put("other", pending{client: "10.0.0.2"}); err != nil {
		t.Fatalf("another client refused: %v", err)
	}
	if _, ok := l.take("s0"); !ok {
		t.Fatal("state not found")
	}
	if _, ok := l.take("s0"); ok {
		t.Fatal("a state was taken twice")
	}
	if err := l.put("after-take", pending{client: "10.0.0.1"}); err != nil {
		t.Fatalf("a taken state did not free its place: %v", err)
	}
	now = now.Add(pendingLifetime)
	if _, ok := l.take("s1"); ok {
		t.Fatal("a lapsed state was accepted")
	}
	for i := range maxPendingPerClient {
		if err := l.put(fmt.Sprint("later", i), pending{client: "10.0.0.1"}); err != nil {
			t.Fatalf("lapsed states did not make room: %v", err)
		}
	}
}
