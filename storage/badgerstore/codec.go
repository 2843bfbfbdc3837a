package badgerstore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// codecJSON marks a value encoded as a JSON document. Every record value
// starts with a codec byte so the encoding can change later without
// rewriting the database. Grants and policies are written in compact binary
// codecs (codec_binary.go) and read in either.
const codecJSON byte = 1

// encode returns v as a versioned value.
func encode(v any) ([]byte, error) {
	switch v := v.(type) {
	case auth.Grant:
		return encodeGrant(&v)
	case auth.Policy:
		return encodePolicy(&v), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return append([]byte{codecJSON}, b...), nil
}

// decode parses a versioned value into v.
func decode(b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("decode %T: empty value", v)
	}
	switch b[0] {
	case codecJSON:
		if err := json.Unmarshal(b[1:], v); err != nil {
			return fmt.Errorf("decode %T: %w", v, err)
		}
		return nil
	case codecGrant:
		if g, ok := v.(*auth.Grant); ok {
			return decodeGrant(b[1:], g)
		}
		return fmt.Errorf("decode %T: codec %d holds grants only", v, b[0])
	case codecPolicy:
		if p, ok := v.(*auth.Policy); ok {
			return decodePolicy(b[1:], p)
		}
		return fmt.Errorf("decode %T: codec %d holds policies only", v, b[0])
	default:
		return fmt.Errorf("decode %T: unknown codec %d", v, b[0])
	}
}

// get reads and decodes the record at key. A missing key gives an error
// wrapping auth.ErrNotFound that names what.
func get[T any](txn *badger.Txn, key []byte, what string) (T, error) {
	var v T
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
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
func exists(txn *badger.Txn, key []byte) (bool, error) {
	_, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// set encodes v and stores it at key.
func set(txn *badger.Txn, key []byte, v any) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

// scan decodes every record whose key starts with prefix, in key order.
func scan[T any](txn *badger.Txn, prefix []byte) ([]T, error) {
	var out []T
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
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
func scanKeys(txn *badger.Txn, prefix []byte) []string {
	var out []string
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		out = append(out, string(it.Item().Key()[len(prefix):]))
	}
	return out
}
