package badgerstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
)

func appendN(t *testing.T, db *DB, n int) []audit.Event {
	t.Helper()
	evs := make([]audit.Event, n)
	for i := range evs {
		evs[i] = audit.Event{Time: t0, Actor: "alice", Action: "git.read", Repo: "acme/app", Result: "allow"}
	}
	out, err := db.AppendEvents(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAuditChain(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatalf("empty chain: %v", err)
	}
	first := appendN(t, db, 3)
	second := appendN(t, db, 2)
	all := append(first, second...)
	for i, e := range all {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
		if i > 0 && e.Prev != all[i-1].Hash {
			t.Fatalf("event %d does not chain", e.Seq)
		}
		if e.Hash != EventHash(e) {
			t.Fatalf("event %d hash mismatch", e.Seq)
		}
	}
	if all[0].Prev != "" {
		t.Fatalf("first event Prev = %q", all[0].Prev)
	}
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}

	got, err := db.ListEvents(ctx, 0)
	if err != nil || len(got) != 5 {
		t.Fatalf("ListEvents(0) = %d events, %v", len(got), err)
	}
	for i := range got {
		if got[i] != all[i] {
			t.Fatalf("stored event %d = %+v, want %+v", i+1, got[i], all[i])
		}
	}
	got, _ = db.ListEvents(ctx, 2)
	if len(got) != 3 || got[0].Seq != 3 || got[1].Seq != 4 {
		t.Fatalf("ListEvents(2) = %+v", got)
	}
	if got, _ := db.ListEvents(ctx, 5); len(got) != 0 {
		t.Fatalf("ListEvents(5) = %+v", got)
	}

	// Events come back exactly as AppendEvents returned them, whatever
	// clock reading or zone their time had.
	local := time.FixedZone("X", 3600)
	out, err := db.AppendEvents(ctx, []audit.Event{{Time: time.Now().In(local), Action: "a"}, {Action: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = db.ListEvents(ctx, 5)
	if len(got) != 2 || got[0] != out[0] || got[1] != out[1] || out[1].Time.IsZero() {
		t.Fatalf("stored %+v, returned %+v", got, out)
	}
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAuditTamper(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	evs := appendN(t, db, 5)

	// Rewrite event 3 as if someone edited the database.
	forged := evs[2]
	forged.Result = "deny"
	b, err := encode(forged)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(eventKey(3), b) }); err != nil {
		t.Fatal(err)
	}
	var ce *ChainError
	if err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("VerifyAudit = %v, want a break at 3", err)
	}

	// Recomputing the forged event's hash breaks the link to event 4.
	forged.Hash = EventHash(forged)
	b, _ = encode(forged)
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(eventKey(3), b) }); err != nil {
		t.Fatal(err)
	}
	if err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 4 {
		t.Fatalf("VerifyAudit = %v, want a break at 4", err)
	}

	// Dropping the last event leaves the head pointing past the chain.
	db2 := newTestDB(t)
	appendN(t, db2, 3)
	if err := db2.bdb.Update(func(txn *badger.Txn) error { return txn.Delete(eventKey(3)) }); err != nil {
		t.Fatal(err)
	}
	if err := db2.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("VerifyAudit after truncation = %v, want a break at 3", err)
	}
}

func TestScanEventsAfterTheLastPossibleSeq(t *testing.T) {
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AppendEvents(context.Background(), []audit.Event{{Action: "x", Result: "ok"}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := db.Events().Scan(context.Background(), ^uint64(0), false, func(audit.Event) bool { n++; return true }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d events after the largest seq; the start wrapped around", n)
	}
}
