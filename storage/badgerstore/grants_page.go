package badgerstore

import (
	"bytes"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// Page returns at most limit grants with ids after after, in ascending id
// order, seeking to after in the grant keys rather than reading those
// before it. Grants of a batch not yet committed are skipped and do not
// count against limit.
func (s grants) Page(after string, limit int) ([]auth.Grant, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list grants: %w: a page holds at least one grant", auth.ErrInvalid)
	}
	prefix := []byte(record.PrefixGrant)
	it := s.t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: min(limit, 100)})
	defer it.Close()
	from := record.GrantKey(after)
	out := make([]auth.Grant, 0, min(limit, 1024))
	for it.Seek(from); it.Valid() && len(out) < limit; it.Next() {
		item := it.Item()
		if after != "" && bytes.Equal(item.Key(), from) {
			continue
		}
		var g auth.Grant
		if err := item.Value(func(b []byte) error { return decode(b, &g) }); err != nil {
			return nil, fmt.Errorf("list grants: %s: %w", item.Key(), err)
		}
		if s.t.db.visible(&g) {
			out = append(out, g)
		}
	}
	return out, nil
}
