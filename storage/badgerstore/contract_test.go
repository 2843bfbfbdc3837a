package badgerstore

import (
	"context"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
	"github.com/jitgit/jitgit/storage/storagetest"
)

func TestContractInMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return tamperable{newTestDB(t)} })
}

func TestContractOnDisk(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		db, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return tamperable{db}
	})
}

// tamperable is a DB whose audit trail the contract suite may damage.
type tamperable struct{ *DB }

// PutEvent stores e under seq as it is, outside the chain.
func (d tamperable) PutEvent(_ context.Context, seq uint64, e audit.Event) error {
	return d.bdb.Update(func(txn *badger.Txn) error { return set(txn, record.EventKey(seq), e) })
}

// DeleteEvent removes the event seq, leaving the head as it was.
func (d tamperable) DeleteEvent(_ context.Context, seq uint64) error {
	return d.bdb.Update(func(txn *badger.Txn) error { return txn.Delete(record.EventKey(seq)) })
}
