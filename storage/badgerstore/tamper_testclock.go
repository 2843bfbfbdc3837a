//go:build jitgit_testclock

package badgerstore

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage/record"
)

// RewriteEvent edits the stored event seq as whoever can write the
// database could, for the tests of the trail's defences (test builds
// only). With rehash it also recomputes that event's hash and the links
// of every later event and the head, so that the chain holds together
// again and only the signed checkpoints can tell.
func (db *DB) RewriteEvent(ctx context.Context, seq uint64, edit func(*audit.Event), rehash bool) error {
	return db.update(func(txn *badger.Txn) error {
		e, err := get[audit.Event](txn, record.EventKey(seq), "audit event")
		if err != nil {
			return err
		}
		edit(&e)
		if !rehash {
			return set(txn, record.EventKey(seq), e)
		}
		prev := e.Prev
		for s := seq; ; s++ {
			if s != seq {
				if e, err = get[audit.Event](txn, record.EventKey(s), "audit event"); err != nil {
					break // the end of the chain
				}
			}
			e.Prev = prev
			if e.Hash, err = audit.Hash(e); err != nil {
				return err
			}
			if err := set(txn, record.EventKey(s), e); err != nil {
				return err
			}
			prev = e.Hash
			if err := set(txn, []byte(record.KeyAuditHead), auditHead{Seq: s, Hash: e.Hash}); err != nil {
				return fmt.Errorf("audit head: %w", err)
			}
		}
		return nil
	})
}
