package badgerstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// intents is storage.Intents in one transaction. An intent is kept at
// intent/<id> in the event codec, without sequence number or hash: those
// are the chain's to give when the event is appended.
type intents struct{ t *tx }

// Stage stores ev under a new id that sorts by the time of staging, so
// Staged hands leftovers back roughly in the order of their changes.
func (in intents) Stage(ev audit.Event) (audit.Event, error) {
	if !in.t.update {
		return audit.Event{}, fmt.Errorf("%w: staging an audit event in a read-only transaction", auth.ErrInvalid)
	}
	if ev.Time.IsZero() {
		return audit.Event{}, fmt.Errorf("%w: a staged audit event needs its time", auth.ErrInvalid)
	}
	id := make([]byte, 8, 16)
	binary.BigEndian.PutUint64(id, uint64(ev.Time.UnixNano()))
	id = append(id, make([]byte, 8)...)
	rand.Read(id[8:])
	ev.Seq, ev.Prev, ev.Hash, ev.HashVersion = 0, "", "", 0
	ev.Intent = hex.EncodeToString(id)
	if err := set(in.t.txn, record.IntentKey(ev.Intent), ev); err != nil {
		return audit.Event{}, fmt.Errorf("stage audit event %s: %w", ev.Action, err)
	}
	return ev, nil
}

// Staged returns up to limit staged events, oldest first.
func (tr events) Staged(ctx context.Context, limit int) ([]audit.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []audit.Event
	err := tr.db.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(record.PrefixIntent), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
			id := string(it.Item().Key()[len(record.PrefixIntent):])
			var e audit.Event
			if err := it.Item().Value(func(b []byte) error { return decode(b, &e) }); err != nil {
				return fmt.Errorf("audit intent %s: %w", id, err)
			}
			e.Intent = id
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("staged audit events: %w", err)
	}
	return out, nil
}
