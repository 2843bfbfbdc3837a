package badgerstore

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// Page returns at most limit requests with ids after after, in ascending
// id order, seeking to after in the request keys.
func (s requests) Page(after string, limit int) ([]auth.Request, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list requests: %w: a page holds at least one request", auth.ErrInvalid)
	}
	it := s.t.txn.NewIterator(badger.IteratorOptions{Prefix: []byte(record.PrefixRequest), PrefetchValues: true, PrefetchSize: min(limit, 100)})
	defer it.Close()
	from := record.RequestKey(after)
	out := make([]auth.Request, 0, min(limit, 1024))
	for it.Seek(from); it.Valid() && len(out) < limit; it.Next() {
		item := it.Item()
		if after != "" && bytes.Equal(item.Key(), from) {
			continue
		}
		var r auth.Request
		if err := item.Value(func(b []byte) error { return decode(b, &r) }); err != nil {
			return nil, fmt.Errorf("list requests: %s: %w", item.Key(), err)
		}
		out = append(out, r)
	}
	return out, nil
}
