package badgerstore

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// checkpoints is storage.Checkpoints over the whole database. A checkpoint
// is kept at checkpoint/<seq, 8 bytes big-endian>.
type checkpoints struct{ db *DB }

// Checkpoints returns the audit trail's signed checkpoints.
func (db *DB) Checkpoints() storage.Checkpoints { return checkpoints{db} }

func checkpointKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(record.PrefixCheckpoint), seq)
}

// PutCheckpoint stores c durably.
func (cs checkpoints) PutCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := cs.db.update(func(txn *badger.Txn) error { return set(txn, checkpointKey(c.Seq), c) })
	if err != nil {
		return fmt.Errorf("audit checkpoint %d: %w", c.Seq, err)
	}
	return nil
}

// LastCheckpoint returns the checkpoint of the highest Seq.
func (cs checkpoints) LastCheckpoint(ctx context.Context) (audit.Checkpoint, bool, error) {
	if err := ctx.Err(); err != nil {
		return audit.Checkpoint{}, false, err
	}
	var out audit.Checkpoint
	found := false
	err := cs.db.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(record.PrefixCheckpoint), Reverse: true})
		defer it.Close()
		it.Seek(checkpointKey(^uint64(0)))
		if !it.Valid() {
			return nil
		}
		found = true
		return it.Item().Value(func(b []byte) error { return decode(b, &out) })
	})
	if err != nil {
		return audit.Checkpoint{}, false, fmt.Errorf("last audit checkpoint: %w", err)
	}
	return out, found, nil
}

// ScanCheckpoints calls fn with the checkpoints from Seq from on, lowest
// first.
func (cs checkpoints) ScanCheckpoints(ctx context.Context, from uint64, fn func(audit.Checkpoint) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := cs.db.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(record.PrefixCheckpoint), PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Seek(checkpointKey(from)); it.Valid(); it.Next() {
			var c audit.Checkpoint
			if err := it.Item().Value(func(b []byte) error { return decode(b, &c) }); err != nil {
				return fmt.Errorf("audit checkpoint %x: %w", it.Item().Key()[len(record.PrefixCheckpoint):], err)
			}
			if !fn(c) {
				return nil
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("scan audit checkpoints: %w", err)
	}
	return nil
}
