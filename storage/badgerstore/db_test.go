package badgerstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// t0 is a fixed instant for records; JSON keeps UTC times exactly.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestDB(t testing.TB) *DB {
	t.Helper()
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs bytes.Buffer
	opts := Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), GCInterval: 10 * time.Millisecond}
	db, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g := auth.Grant{ID: "g1", Subject: "user:alice", Repo: "acme/app", Level: auth.LevelWrite,
		Starts: now.Add(-time.Minute).UTC(), Expires: now.Add(time.Hour).UTC(), Created: t0}
	if err := db.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendEvents(ctx, []audit.Event{{Actor: "alice", Action: "grant.create", Result: "ok", Grant: "g1"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond) // let value-log GC run at least once
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	db, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.GetGrant(ctx, "g1")
	if err != nil || got.Subject != "user:alice" || !got.Expires.Equal(g.Expires) {
		t.Fatalf("GetGrant after reopen = %+v, %v", got, err)
	}
	gs, err := db.GrantsFor(ctx, []string{"user:alice"}, now)
	if err != nil || len(gs) != 1 {
		t.Fatalf("GrantsFor after reopen = %+v, %v", gs, err)
	}
	evs, err := db.ListEvents(ctx, 0)
	if err != nil || len(evs) != 1 || evs[0].Seq != 1 || evs[0].Grant != "g1" {
		t.Fatalf("ListEvents after reopen = %+v, %v", evs, err)
	}
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := db.bdb.Opts().Logger.(slogAdapter); !ok {
		t.Errorf("Badger logs to %T, not the given slog.Logger", db.bdb.Opts().Logger)
	}
	if strings.Contains(logs.String(), "level=INFO") {
		t.Errorf("Badger logged below warning level:\n%s", logs.String())
	}
	// The chain continues across restarts.
	more, err := db.AppendEvents(ctx, []audit.Event{{Actor: "system", Action: "x", Result: "ok"}})
	if err != nil || more[0].Seq != 2 || more[0].Prev != evs[0].Hash {
		t.Fatalf("AppendEvents after reopen = %+v, %v", more, err)
	}
}

func TestContextCancelled(t *testing.T) {
	db := newTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.CreateUser(ctx, auth.User{Name: "alice"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateUser = %v", err)
	}
	if _, err := db.GrantsFor(ctx, []string{"anyone"}, time.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("GrantsFor = %v", err)
	}
	if err := db.VerifyAudit(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("VerifyAudit = %v", err)
	}
}

func TestSlogAdapter(t *testing.T) {
	var logs bytes.Buffer
	a := slogAdapter{slog.New(slog.NewTextHandler(&logs, nil))}
	a.Infof("chatter %d\n", 1)
	a.Debugf("chatter %d\n", 2)
	a.Warningf("disk %s\n", "slow")
	a.Errorf("disk %s\n", "gone")
	got := logs.String()
	if strings.Contains(got, "chatter") || !strings.Contains(got, `level=WARN msg="disk slow"`) ||
		!strings.Contains(got, `level=ERROR msg="disk gone"`) {
		t.Fatalf("logged:\n%s", got)
	}
}
