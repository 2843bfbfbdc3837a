package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// countEvents returns how many events of action the trail holds.
func countEvents(t *testing.T, f *fixture, action string) []audit.Event {
	t.Helper()
	evs, err := f.Svc.Events(context.Background(), f.Admin, service.EventFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestExpiredGrantRecordedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.Grant(t, "user:alice", "acme/payments", auth.LevelRead, time.Hour)
	revoked := f.Grant(t, "user:bob", "acme/payments", auth.LevelRead, time.Hour)
	if _, err := f.Svc.RevokeGrant(ctx, f.Admin, revoked.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if n, err := f.Svc.ExpireGrants(ctx); err != nil || n != 0 {
		t.Fatalf("before the end: %d recorded, %v", n, err)
	}
	f.Clock.Advance(time.Hour)
	for range 2 {
		if _, err := f.Svc.ExpireGrants(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evs := countEvents(t, f, "grant.expire")
	if len(evs) != 1 || evs[0].Grant != g.ID || evs[0].Actor != "system" || evs[0].Target != "user:alice" {
		t.Fatalf("grant.expire events: %+v", evs)
	}
	got, err := f.Svc.Grant(ctx, f.Admin, g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.EndedBy != service.ExpiredBy || !got.End().Equal(g.Expires) {
		t.Fatalf("expired grant as stored: %+v", got)
	}
	// An expired grant cannot be revoked afterwards, so it ends one way.
	if _, err := f.Svc.RevokeGrant(ctx, f.Admin, g.ID, "late"); err == nil {
		t.Fatal("revoked a grant that had expired")
	}
}

func TestExpiredTokenRecordedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, tok, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "forever", 0); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(2 * time.Hour)
	for range 2 {
		if _, err := f.Svc.ExpireTokens(ctx); err != nil {
			t.Fatal(err)
		}
	}
	evs := countEvents(t, f, "token.expire")
	if len(evs) != 1 || evs[0].Target != "alice" || evs[0].Detail == "" {
		t.Fatalf("token.expire events: %+v", evs)
	}
	if want := "token " + tok.ID; evs[0].Detail[:len(want)] != want {
		t.Fatalf("detail %q does not name %s", evs[0].Detail, tok.ID)
	}
}
