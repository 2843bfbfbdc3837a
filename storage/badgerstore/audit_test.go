package badgerstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage/record"
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
		if h, err := audit.Hash(e); err != nil || e.Hash != h || e.HashVersion != audit.HashCurrent {
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
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(record.EventKey(3), b) }); err != nil {
		t.Fatal(err)
	}
	var ce *ChainError
	if err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 3 {
		t.Fatalf("VerifyAudit = %v, want a break at 3", err)
	}

	// Recomputing the forged event's hash breaks the link to event 4.
	if forged.Hash, err = audit.Hash(forged); err != nil {
		t.Fatal(err)
	}
	b, _ = encode(forged)
	if err := db.bdb.Update(func(txn *badger.Txn) error { return txn.Set(record.EventKey(3), b) }); err != nil {
		t.Fatal(err)
	}
	if err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 4 {
		t.Fatalf("VerifyAudit = %v, want a break at 4", err)
	}

	// Dropping the last event leaves the head pointing past the chain.
	db2 := newTestDB(t)
	appendN(t, db2, 3)
	if err := db2.bdb.Update(func(txn *badger.Txn) error { return txn.Delete(record.EventKey(3)) }); err != nil {
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

// oldEvent is an event as the first releases stored it, tags and all.
type oldEvent struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Remote    string    `json:"remote,omitempty"`
	Transport string    `json:"transport,omitempty"`
	Action    string    `json:"action"`
	Repo      string    `json:"repo,omitempty"`
	Target    string    `json:"target,omitempty"`
	Result    string    `json:"result"`
	Grant     string    `json:"grant,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Request   string    `json:"request,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Prev      string    `json:"prev"`
	Hash      string    `json:"hash"`
}

// writeOldTrail stores n events and the head as the first releases did:
// JSON records, hashed in audit.HashV1.
func writeOldTrail(t *testing.T, db *DB, n int) {
	t.Helper()
	err := db.bdb.Update(func(txn *badger.Txn) error {
		prev := ""
		for i := 1; i <= n; i++ {
			e := audit.Event{Seq: uint64(i), Time: t0.Add(time.Duration(i) * time.Second), Actor: "alice",
				Action: "git.read", Repo: "acme/app", Result: "allow", Detail: "<old>", Prev: prev, HashVersion: audit.HashV1}
			h, err := audit.Hash(e)
			if err != nil {
				return err
			}
			o := oldEvent{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Action: e.Action, Repo: e.Repo,
				Result: e.Result, Detail: e.Detail, Prev: prev, Hash: h}
			if err := txn.Set(record.EventKey(e.Seq), jsonValue(t, o)); err != nil {
				return err
			}
			prev = h
		}
		return txn.Set([]byte(record.KeyAuditHead), jsonValue(t, map[string]any{"seq": n, "hash": prev}))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditMixedTrail(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	writeOldTrail(t, db, 3)
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatalf("old trail: %v", err)
	}
	fresh := appendN(t, db, 2)
	if fresh[0].Seq != 4 || fresh[0].HashVersion != audit.HashCurrent {
		t.Fatalf("first new event: %+v", fresh[0])
	}
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatalf("mixed trail: %v", err)
	}
	evs, err := db.ListEvents(ctx, 0)
	if err != nil || len(evs) != 5 {
		t.Fatalf("ListEvents = %d, %v", len(evs), err)
	}
	for i, want := range []uint8{1, 1, 1, 2, 2} {
		if evs[i].HashVersion != want {
			t.Fatalf("event %d in hash form %d, want %d", i+1, evs[i].HashVersion, want)
		}
	}

	noted := evs[4].Hash // the head audit verify printed

	// Someone with the database rewrites event 5 in the old form, its hash
	// and the head recomputed: an old form after a newer one is refused.
	downgrade(t, db, evs[3].Hash, evs[4:])
	var ce *ChainError
	if err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 5 || !strings.Contains(ce.Problem, "form 1 after form 2") {
		t.Fatalf("VerifyAudit after a downgrade = %v, want a break at 5", err)
	}

	// Rewriting the whole tail from the first new event on is consistent
	// in itself, in the old form as in the new: no form without a secret
	// can tell. Only the head noted outside the database shows it.
	downgrade(t, db, evs[2].Hash, evs[3:])
	if err := db.VerifyAudit(ctx); err != nil {
		t.Fatalf("VerifyAudit after a tail rewrite = %v", err)
	}
	last, err := db.ListEvents(ctx, 4)
	if err != nil || len(last) != 1 || last[0].Hash == noted {
		t.Fatalf("the rewritten tail ends in the noted head: %+v, %v", last, err)
	}
}

// downgrade rewrites evs, the end of the trail, in audit.HashV1 after the
// event whose hash is prev, as an attacker with the database could.
func downgrade(t *testing.T, db *DB, prev string, evs []audit.Event) {
	t.Helper()
	err := db.bdb.Update(func(txn *badger.Txn) error {
		for _, e := range evs {
			e.Result, e.Prev, e.HashVersion = "deny", prev, audit.HashV1
			var err error
			if e.Hash, err = audit.Hash(e); err != nil {
				return err
			}
			if err := set(txn, record.EventKey(e.Seq), e); err != nil {
				return err
			}
			prev = e.Hash
		}
		return set(txn, []byte(record.KeyAuditHead), auditHead{Seq: evs[len(evs)-1].Seq, Hash: prev})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAuditOldEventEdited(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	writeOldTrail(t, db, 3)
	err := db.bdb.Update(func(txn *badger.Txn) error {
		e, err := get[audit.Event](txn, record.EventKey(2), "event")
		if err != nil {
			return err
		}
		e.Result = "deny"
		return set(txn, record.EventKey(2), e) // now in the current codec, still form 1
	})
	if err != nil {
		t.Fatal(err)
	}
	var ce *ChainError
	if err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.Seq != 2 {
		t.Fatalf("VerifyAudit = %v, want a break at 2", err)
	}
}
