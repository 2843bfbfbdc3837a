package etcdstore

import (
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// The record values are storage/record's codecs.
type (
	auditHead      = record.AuditHead
	deliveryCursor = record.Cursor
)

func encode(v any) ([]byte, error) { return record.Encode(v) }
func decode(b []byte, v any) error { return record.Decode(b, v) }

// get reads and decodes the record at key. A missing key gives an error
// wrapping auth.ErrNotFound that names what.
func get[T any](txn *kvTxn, key []byte, what string) (T, error) {
	var v T
	item, err := txn.Get(key)
	if errors.Is(err, errKeyNotFound) {
		return v, fmt.Errorf("%s: %w", what, auth.ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("%s: %w", what, err)
	}
	err = item.Value(func(b []byte) error { return decode(b, &v) })
	if err != nil {
		return v, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// exists reports whether key is present.
func exists(txn *kvTxn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if errors.Is(err, errKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// set encodes v and stores it at key.
func set(txn *kvTxn, key []byte, v any) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

// scan decodes every record whose key starts with prefix, in key order.
func scan[T any](txn *kvTxn, prefix []byte) ([]T, error) {
	var out []T
	it := txn.NewIterator(iterOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var v T
		if err := it.Item().Value(func(b []byte) error { return decode(b, &v) }); err != nil {
			return nil, fmt.Errorf("%s: %w", it.Item().Key(), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// scanKeys returns the part after prefix of every key that starts with it.
func scanKeys(txn *kvTxn, prefix []byte) []string {
	var out []string
	it := txn.NewIterator(iterOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		out = append(out, string(it.Item().Key()[len(prefix):]))
	}
	return out
}
