package badgerstore

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	s := auth.Session{Hash: "s1", User: "alice", CSRF: "c", Created: now, Expires: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.CreateSession(ctx, s), auth.ErrExists)
	got, err := db.GetSession(ctx, "s1")
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Fatalf("GetSession = %+v, %v", got, err)
	}
	_, err = db.GetSession(ctx, "nope")
	wantErr(t, err, auth.ErrNotFound)

	if err := db.DeleteSession(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	_, err = db.GetSession(ctx, "s1")
	wantErr(t, err, auth.ErrNotFound)
	if err := db.DeleteSession(ctx, "s1"); err != nil {
		t.Fatalf("second DeleteSession = %v", err)
	}
}

func TestSessionExpiry(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC()
	// Already expired: Badger's TTL drops it.
	if err := db.CreateSession(ctx, auth.Session{Hash: "old", User: "alice", Expires: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	_, err := db.GetSession(ctx, "old")
	wantErr(t, err, auth.ErrNotFound)

	// Badger's TTL still holds it, but GetSession refuses it by the clock:
	// the TTL is clean-up, the clock decides.
	clock := now
	db.now = func() time.Time { return clock }
	if err := db.CreateSession(ctx, auth.Session{Hash: "soon", User: "alice", Expires: now.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetSession(ctx, "soon"); err != nil {
		t.Fatalf("GetSession before expiry = %v", err)
	}
	clock = now.Add(time.Minute)
	_, err = db.GetSession(ctx, "soon")
	wantErr(t, err, auth.ErrNotFound)
}
