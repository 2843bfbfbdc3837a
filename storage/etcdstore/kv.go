package etcdstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// errKeyNotFound is what kvTxn.Get returns for a key that is absent at the
// transaction's revision (or deleted by the transaction itself).
var errKeyNotFound = errors.New("key not found")

// errConflict is what commit returns when a key or range the transaction
// read changed after its revision: the attempt is thrown away.
var errConflict = errors.New("transaction conflict")

// pageSize is how many keys an iterator fetches from etcd at a time, so
// that a scan of the whole audit trail holds one page, not the trail.
const pageSize = 256

// collapseReads is how many single keys of one kind a transaction may
// read before commit guards the whole kind with one range compare
// instead: etcd bounds the operations of a transaction (--max-txn-ops).
const collapseReads = 16

// kvTxn is one attempt of a transaction over etcd: every read is at one
// revision (the first read's), writes are buffered and commit sends them
// in one etcd Txn whose compares cover every key and range the attempt
// read, so it commits only if none of them changed since that revision.
//
// Deletions from a listed range: etcd's range compare sees the keys that
// exist, not those deleted, so every delete also writes the deletion guard
// of its kind (deletedKey), which the compares of a listed range include.
type kvTxn struct {
	db     *DB
	ctx    context.Context
	update bool
	rev    int64
	// reads are the single keys read, with the ModRevision seen (0:
	// absent); values caches their values.
	reads  map[string]int64
	values map[string][]byte
	// ranges are the prefixes listed.
	ranges []string
	writes map[string]write
	order  []string
	// err is the first failed read: an iterator cannot return one, so
	// View and Update return it in place of fn's success.
	err error
}

// write is a buffered Put (del false) or Delete.
type write struct {
	val []byte
	del bool
	// expires, when set, attaches the put to a lease (leases.go).
	expires time.Time
}

func (db *DB) newTxn(ctx context.Context, update bool) *kvTxn {
	return &kvTxn{db: db, ctx: ctx, update: update, reads: map[string]int64{}, values: map[string][]byte{}}
}

// item is one key and value, as an iterator or Get returns it.
type item struct{ key, val []byte }

func (i *item) KeyCopy(dst []byte) []byte            { return append(dst[:0], i.key...) }
func (i *item) ValueSize() int64                     { return int64(len(i.val)) }
func (i *item) Key() []byte                          { return i.key }
func (i *item) Value(fn func([]byte) error) error    { return fn(i.val) }
func (i *item) ValueCopy(dst []byte) ([]byte, error) { return append(dst[:0], i.val...), nil }
func (t *kvTxn) full(key []byte) string              { return t.db.prefix + string(key) }
func (t *kvTxn) strip(key []byte) []byte             { return key[len(t.db.prefix):] }
func (t *kvTxn) readOpts(o ...clientv3.OpOption) []clientv3.OpOption {
	if t.rev > 0 {
		o = append(o, clientv3.WithRev(t.rev))
	}
	return o
}

// get runs one etcd range read at the transaction's revision, fixing the
// revision on the first read.
func (t *kvTxn) get(key string, o ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	ctx, cancel := t.db.opContext(t.ctx)
	defer cancel()
	resp, err := t.db.kv.Get(ctx, key, t.readOpts(o...)...)
	if err != nil {
		if errors.Is(err, rpctypes.ErrCompacted) {
			err = errConflict
		} else {
			err = t.db.unavailable(err)
		}
		if t.err == nil {
			t.err = err
		}
		return nil, err
	}
	if t.rev == 0 {
		t.rev = resp.Header.Revision
	}
	return resp, nil
}

// Get returns the value at key, errKeyNotFound if there is none.
func (t *kvTxn) Get(key []byte) (*item, error) {
	k := string(key)
	if w, ok := t.writes[k]; ok {
		if w.del {
			return nil, errKeyNotFound
		}
		return &item{key: key, val: w.val}, nil
	}
	if v, ok := t.values[k]; ok {
		if v == nil {
			return nil, errKeyNotFound
		}
		return &item{key: key, val: v}, nil
	}
	resp, err := t.get(t.full(key))
	if err != nil {
		return nil, err
	}
	if len(resp.Kvs) == 0 {
		t.reads[k], t.values[k] = 0, nil
		return nil, errKeyNotFound
	}
	kv := resp.Kvs[0]
	t.reads[k], t.values[k] = kv.ModRevision, kv.Value
	return &item{key: key, val: kv.Value}, nil
}

// Set buffers a put of key.
func (t *kvTxn) Set(key, val []byte) error {
	if !t.update {
		return errors.New("write in a read-only transaction")
	}
	t.put(string(key), write{val: bytes.Clone(val)})
	return nil
}

// Delete buffers a delete of key, and the write of its kind's deletion
// guard.
func (t *kvTxn) Delete(key []byte) error {
	if !t.update {
		return errors.New("write in a read-only transaction")
	}
	t.put(string(key), write{del: true})
	t.put(deletedKey(kindOf(string(key))), write{})
	return nil
}

func (t *kvTxn) put(k string, w write) {
	if t.writes == nil {
		t.writes = map[string]write{}
	}
	if _, ok := t.writes[k]; !ok {
		t.order = append(t.order, k)
	}
	t.writes[k] = w
}

// kindOf is a key's first segment with its '/': what deletion guards and
// collapsed compares cover.
func kindOf(k string) string {
	if i := strings.IndexByte(k, '/'); i >= 0 {
		return k[:i+1]
	}
	return k
}

// deletedKey is the deletion guard of kind: every delete of a key of that
// kind writes it. Its prefix is no kind's.
func deletedKey(kind string) string { return "\x00deleted/" + kind }

// ops are the writes as etcd operations, in the order first written.
func (t *kvTxn) ops() ([]clientv3.Op, error) {
	ops := make([]clientv3.Op, 0, len(t.order))
	for _, k := range t.order {
		w := t.writes[k]
		switch {
		case w.del:
			ops = append(ops, clientv3.OpDelete(t.db.prefix+k))
		case !w.expires.IsZero():
			id, err := t.db.leaseFor(t.ctx, w.expires)
			if err != nil {
				return nil, err
			}
			ops = append(ops, clientv3.OpPut(t.db.prefix+k, string(w.val), clientv3.WithLease(id)))
		default:
			ops = append(ops, clientv3.OpPut(t.db.prefix+k, string(w.val)))
		}
	}
	return ops, nil
}

// compares are the conditions under which the attempt may commit: no key
// it read and no range it listed changed after its revision.
func (t *kvTxn) compares() []clientv3.Cmp {
	if t.rev == 0 {
		return nil // read nothing
	}
	next := t.rev + 1
	byKind := map[string]int{}
	for k := range t.reads {
		byKind[kindOf(k)]++
	}
	collapsed := map[string]bool{}
	var cmps []clientv3.Cmp
	guard := func(prefix string) {
		cmps = append(cmps,
			clientv3.Compare(clientv3.ModRevision(t.db.prefix+prefix), "<", next).WithPrefix(),
			clientv3.Compare(clientv3.ModRevision(t.db.prefix+deletedKey(kindOf(prefix))), "<", next))
	}
	for kind, n := range byKind {
		if n > collapseReads {
			collapsed[kind] = true
			guard(kind)
		}
	}
	for _, p := range slices.Compact(slices.Sorted(slices.Values(t.ranges))) {
		if !collapsed[kindOf(p)] {
			guard(p)
		}
	}
	for k, mod := range t.reads {
		if collapsed[kindOf(k)] {
			continue
		}
		// Exact: a key deleted since reads back as ModRevision 0.
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(t.db.prefix+k), "=", mod))
	}
	return cmps
}

// commit sends the writes if nothing read changed; errConflict if
// something did.
func (t *kvTxn) commit() error {
	if len(t.order) == 0 {
		return nil
	}
	ops, err := t.ops()
	if err != nil {
		return err
	}
	cmps := t.compares()
	if n := len(ops) + len(cmps); n > t.db.maxTxnOps {
		return fmt.Errorf("etcd transaction of %d operations is above the limit of %d (raise etcd's --max-txn-ops and [store] max_txn_ops)", n, t.db.maxTxnOps)
	}
	ctx, cancel := t.db.opContext(t.ctx)
	defer cancel()
	resp, err := t.db.kv.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return t.db.unavailable(err)
	}
	if !resp.Succeeded {
		return errConflict
	}
	return nil
}

// iterOptions are the options of NewIterator.
type iterOptions struct {
	Prefix         []byte
	Reverse        bool
	PrefetchValues bool
	PrefetchSize   int
}

// iterator walks the keys under a prefix at the transaction's revision,
// with the transaction's own writes laid over them. Without writes under
// the prefix it fetches pageSize keys at a time.
type iterator struct {
	t       *kvTxn
	prefix  []byte
	reverse bool
	items   []*item
	pos     int
	// more says whether etcd may hold keys past the last page.
	more bool
	err  error
	// eager: every key is loaded (writes were laid over them).
	eager bool
}

// NewIterator lists the keys under o.Prefix; in an update the range
// becomes one of the transaction's compares.
func (t *kvTxn) NewIterator(o iterOptions) *iterator {
	if t.update {
		t.ranges = append(t.ranges, string(o.Prefix))
	}
	it := &iterator{t: t, prefix: bytes.Clone(o.Prefix), reverse: o.Reverse}
	for _, k := range t.order {
		if strings.HasPrefix(k, string(o.Prefix)) {
			it.eager = true
			break
		}
	}
	return it
}

// Err is the first error the iterator met; the aggregate code checks it
// through check.
func (it *iterator) Err() error { return it.err }

// fetch loads the page of keys from start (inclusive) in the iterator's
// direction.
func (it *iterator) fetch(start []byte) {
	t := it.t
	end := clientv3.GetPrefixRangeEnd(t.full(it.prefix))
	var opts []clientv3.OpOption
	from := t.full(start)
	if it.reverse {
		// [prefix, start]: the range end is exclusive, so one past start.
		opts = append(opts, clientv3.WithRange(t.full(start)+"\x00"), clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend))
		from = t.full(it.prefix)
	} else {
		opts = append(opts, clientv3.WithRange(end))
	}
	if !it.eager {
		opts = append(opts, clientv3.WithLimit(pageSize))
	}
	it.items, it.pos, it.more = nil, 0, false
	for {
		resp, err := t.get(from, opts...)
		if err != nil {
			it.err = err
			return
		}
		for _, kv := range resp.Kvs {
			it.items = append(it.items, &item{key: t.strip(kv.Key), val: kv.Value})
		}
		if !it.eager {
			it.more = resp.More
			return
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		// Eager and more: etcd paged for us anyway; go on after the last.
		last := resp.Kvs[len(resp.Kvs)-1].Key
		if it.reverse {
			opts[0] = clientv3.WithRange(string(last))
		} else {
			from = string(last) + "\x00"
		}
	}
	it.overlay(start)
}

// overlay lays the transaction's writes under the prefix over the items.
func (it *iterator) overlay(start []byte) {
	m := make(map[string]*item, len(it.items))
	for _, i := range it.items {
		m[string(i.key)] = i
	}
	for _, k := range it.t.order {
		if !strings.HasPrefix(k, string(it.prefix)) {
			continue
		}
		if it.reverse && k > string(start) || !it.reverse && k < string(start) {
			continue
		}
		if w := it.t.writes[k]; w.del {
			delete(m, k)
		} else {
			m[k] = &item{key: []byte(k), val: w.val}
		}
	}
	it.items = it.items[:0]
	for _, i := range m {
		it.items = append(it.items, i)
	}
	slices.SortFunc(it.items, func(a, b *item) int {
		if it.reverse {
			return bytes.Compare(b.key, a.key)
		}
		return bytes.Compare(a.key, b.key)
	})
}

// Rewind goes to the first key (the last one in reverse).
func (it *iterator) Rewind() {
	if it.reverse {
		it.fetch(append(bytes.Clone(it.prefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
		return
	}
	it.fetch(it.prefix)
}

// Seek goes to the first key at or after key (at or before, in reverse).
func (it *iterator) Seek(key []byte) {
	if !bytes.HasPrefix(key, it.prefix) {
		if bytes.Compare(key, it.prefix) < 0 {
			if it.reverse {
				it.items, it.pos, it.more = nil, 0, false
				return
			}
			key = it.prefix
		} else if !it.reverse {
			it.items, it.pos, it.more = nil, 0, false
			return
		} else {
			it.Rewind()
			return
		}
	}
	it.fetch(key)
}

// Valid reports whether the iterator is at a key.
func (it *iterator) Valid() bool {
	if it.pos < len(it.items) {
		return true
	}
	if !it.more || it.err != nil || len(it.items) == 0 {
		return false
	}
	last := it.items[len(it.items)-1].key
	if it.reverse {
		if len(last) == 0 {
			return false
		}
		// Just before last: last itself minus a zero byte is not a key
		// we can name, so fetch [prefix, last) by passing last as the
		// exclusive end through fetchBefore.
		it.fetchBefore(last)
	} else {
		it.fetch(append(bytes.Clone(last), 0))
	}
	return it.pos < len(it.items)
}

// fetchBefore loads the reverse page of keys below end (exclusive).
func (it *iterator) fetchBefore(end []byte) {
	t := it.t
	it.items, it.pos, it.more = nil, 0, false
	resp, err := t.get(t.full(it.prefix), clientv3.WithRange(t.full(end)),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend), clientv3.WithLimit(pageSize))
	if err != nil {
		it.err = err
		return
	}
	for _, kv := range resp.Kvs {
		it.items = append(it.items, &item{key: t.strip(kv.Key), val: kv.Value})
	}
	it.more = resp.More
}

// ValidForPrefix reports whether the iterator is at a key starting with p.
func (it *iterator) ValidForPrefix(p []byte) bool {
	return it.Valid() && bytes.HasPrefix(it.items[it.pos].key, p)
}

// Next moves to the next key.
func (it *iterator) Next() { it.pos++ }

// Item is the key and value the iterator is at.
func (it *iterator) Item() *item { return it.items[it.pos] }

// Close releases nothing; it is there so the aggregate code reads as it
// does over Badger.
func (it *iterator) Close() {}

// readPrefixes returns the values under each prefix, in key order, read
// in one etcd round trip at one revision, and that revision.
func (db *DB) readPrefixes(ctx context.Context, prefixes []string) ([][][]byte, int64, error) {
	if len(prefixes) == 0 {
		return nil, 0, nil
	}
	ops := make([]clientv3.Op, len(prefixes))
	for i, p := range prefixes {
		ops[i] = clientv3.OpGet(db.prefix+p, clientv3.WithPrefix())
	}
	ctx, cancel := db.opContext(ctx)
	defer cancel()
	resp, err := db.kv.Txn(ctx).Then(ops...).Commit()
	if err != nil {
		return nil, 0, db.unavailable(err)
	}
	out := make([][][]byte, len(prefixes))
	for i, r := range resp.Responses {
		for _, kv := range r.GetResponseRange().Kvs {
			out[i] = append(out[i], kv.Value)
		}
	}
	return out, resp.Header.Revision, nil
}

// firstPresent returns the index of the first of keys that exists, -1 if
// none does, asking as many to an etcd transaction as MaxTxnOps allows.
func (db *DB) firstPresent(ctx context.Context, keys []string) (int, error) {
	per := db.perTxn(1)
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		ops := make([]clientv3.Op, len(chunk))
		for i, k := range chunk {
			ops[i] = clientv3.OpGet(db.prefix+k, clientv3.WithCountOnly())
		}
		cctx, cancel := db.opContext(ctx)
		resp, err := db.kv.Txn(cctx).Then(ops...).Commit()
		cancel()
		if err != nil {
			return -1, db.unavailable(err)
		}
		for i, r := range resp.Responses {
			if r.GetResponseRange().Count > 0 {
				return start + i, nil
			}
		}
	}
	return -1, nil
}

// prefetch reads keys into the transaction, many to a round trip, at its
// revision, so that the Gets that follow are answered from memory: a loop
// over the grants of a batch costs a few round trips, not one per grant.
func (t *kvTxn) prefetch(keys [][]byte) error {
	per := t.db.perTxn(1)
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		ops := make([]clientv3.Op, 0, len(chunk))
		for _, k := range chunk {
			ops = append(ops, clientv3.OpGet(t.full(k), t.readOpts()...))
		}
		ctx, cancel := t.db.opContext(t.ctx)
		resp, err := t.db.kv.Txn(ctx).Then(ops...).Commit()
		cancel()
		if err != nil {
			if errors.Is(err, rpctypes.ErrCompacted) {
				err = errConflict
			} else {
				err = t.db.unavailable(err)
			}
			if t.err == nil {
				t.err = err
			}
			return err
		}
		if t.rev == 0 {
			t.rev = resp.Header.Revision
		}
		for i, r := range resp.Responses {
			k := string(chunk[i])
			if _, ok := t.values[k]; ok {
				continue
			}
			if kvs := r.GetResponseRange().Kvs; len(kvs) > 0 {
				t.reads[k], t.values[k] = kvs[0].ModRevision, kvs[0].Value
			} else {
				t.reads[k], t.values[k] = 0, nil
			}
		}
	}
	return nil
}
