package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// readHead returns the end of the audit chain, zero when it is empty.
func readHead(txn *kvTxn) (auditHead, error) {
	h, err := get[auditHead](txn, []byte(record.KeyAuditHead), "audit head")
	if errors.Is(err, auth.ErrNotFound) {
		return auditHead{}, nil
	}
	return h, err
}

// events is storage.Events over the whole database.
type events struct{ db *DB }

// Events returns the audit trail.
func (db *DB) Events() storage.Events { return events{db} }

// AppendEvents numbers the events after the last stored one, chains each to
// its predecessor by hash, and stores them durably in one transaction. A
// zero Time is set to now; times are kept in UTC. It returns the events as
// stored. Calls are serialized.
func (tr events) AppendEvents(ctx context.Context, evs []audit.Event) ([]audit.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, nil
	}
	db := tr.db
	db.appendMu.Lock()
	defer db.appendMu.Unlock()
	var out []audit.Event
	err := db.update(ctx, func(txn *kvTxn) error {
		head, err := readHead(txn)
		if err != nil {
			return err
		}
		out = make([]audit.Event, 0, len(evs))
		now := tr.db.now().UTC()
		for _, e := range evs {
			if e.Intent != "" {
				staged, err := exists(txn, record.IntentKey(e.Intent))
				if err != nil {
					return fmt.Errorf("audit intent %s: %w", e.Intent, err)
				}
				if !staged {
					continue // appended already, by whoever came first
				}
				if err := txn.Delete(record.IntentKey(e.Intent)); err != nil {
					return fmt.Errorf("audit intent %s: %w", e.Intent, err)
				}
				e.Intent = ""
			}
			if e.Time.IsZero() {
				e.Time = now
			}
			e.Time = e.Time.UTC().Round(0) // as it reads back: no monotonic clock
			if y := e.Time.Year(); y < 0 || y > 9999 {
				return fmt.Errorf("%w: audit event time %v", auth.ErrInvalid, e.Time)
			}
			e.Seq = head.Seq + 1
			e.Prev = head.Hash
			// The caller never picks the form: an older one is for
			// verifying old events only.
			e.HashVersion = audit.HashCurrent
			if e.Hash, err = audit.Hash(e); err != nil {
				return err
			}
			if err := set(txn, record.EventKey(e.Seq), e); err != nil {
				return fmt.Errorf("audit event %d: %w", e.Seq, err)
			}
			head = auditHead{Seq: e.Seq, Hash: e.Hash}
			out = append(out, e)
		}
		if len(out) == 0 {
			return nil
		}
		return set(txn, []byte(record.KeyAuditHead), head)
	})
	if err != nil {
		return nil, fmt.Errorf("append %d audit events: %w", len(evs), err)
	}
	return out, nil
}

// ChainError says where the audit chain is broken.
type ChainError struct {
	Seq     uint64 // the first event that does not verify
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.Seq, e.Problem)
}

// Verify walks the audit chain from the first event and checks that the
// sequence has no gaps, that each event follows its predecessor as
// audit.CheckLink requires (its hash, a hash form no older, a hash that
// matches the event in its own form), and that the chain ends where the
// stored head says. A trail whose older events are in an older form
// verifies. It returns a *ChainError for the first event that fails.
func (tr events) Verify(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return tr.db.view(ctx, func(txn *kvTxn) error {
		head, err := readHead(txn)
		if err != nil {
			return err
		}
		var last auditHead
		var prev *audit.Event
		it := txn.NewIterator(iterOptions{Prefix: []byte(record.PrefixEvent), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			seq := record.EventSeq(it.Item().Key())
			if seq%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var e audit.Event
			if err := it.Item().Value(func(b []byte) error { return decode(b, &e) }); err != nil {
				return &ChainError{Seq: seq, Problem: err.Error()}
			}
			switch {
			case seq != last.Seq+1:
				return &ChainError{Seq: last.Seq + 1, Problem: fmt.Sprintf("missing; next stored is %d", seq)}
			case e.Seq != seq:
				return &ChainError{Seq: seq, Problem: fmt.Sprintf("stored under %d but says %d", seq, e.Seq)}
			}
			if err := audit.CheckLink(prev, e); err != nil {
				return &ChainError{Seq: seq, Problem: err.Error()}
			}
			last = auditHead{Seq: seq, Hash: e.Hash}
			prev = &e
		}
		if last != head {
			return &ChainError{Seq: last.Seq + 1, Problem: fmt.Sprintf("chain ends at %d but the head says %d", last.Seq, head.Seq)}
		}
		return nil
	})
}

// Scan calls fn with the events after seq after, oldest first, or,
// with newestFirst, with the events before seq after (all when after is 0),
// newest first; it stops when fn returns false. It holds one event at a
// time, so a trail of any length can be read in constant memory.
func (tr events) Scan(ctx context.Context, after uint64, newestFirst bool, fn func(audit.Event) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if after == ^uint64(0) && !newestFirst {
		return nil // nothing comes after the last possible event
	}
	err := tr.db.view(ctx, func(txn *kvTxn) error {
		it := txn.NewIterator(iterOptions{Prefix: []byte(record.PrefixEvent), Reverse: newestFirst, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		start := record.EventKey(after + 1)
		if newestFirst {
			start = record.EventKey(^uint64(0))
			if after > 0 {
				start = record.EventKey(after - 1)
			}
		}
		n := 0
		for it.Seek(start); it.Valid(); it.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var e audit.Event
			if err := it.Item().Value(func(b []byte) error { return decode(b, &e) }); err != nil {
				return fmt.Errorf("audit event %d: %w", record.EventSeq(it.Item().Key()), err)
			}
			if !fn(e) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan audit events: %w", err)
	}
	return nil
}
