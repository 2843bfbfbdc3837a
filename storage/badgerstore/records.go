package badgerstore

import (
	"context"

	"github.com/dgraph-io/badger/v4"
)

// EachRecord calls fn with every live key and value of the database, in
// key order, from one snapshot: what a copy to another backend with the
// same key layout (storage/etcdstore) reads. fn must not keep the slices.
// It stops at the first error from fn.
func (db *DB) EachRecord(ctx context.Context, fn func(key, value []byte) error) error {
	return db.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		n := 0
		for it.Rewind(); it.Valid(); it.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			item := it.Item()
			err := item.Value(func(v []byte) error { return fn(item.Key(), v) })
			if err != nil {
				return err
			}
		}
		return nil
	})
}
