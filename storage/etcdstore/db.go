// Package etcdstore keeps jitgit's records in etcd, so that several jitgit
// nodes share one store. DB implements storage.Store with the same keys,
// indexes and record codecs (storage/record) as storage/badgerstore, under
// a prefix, so that several installations can share one etcd.
//
// Transactions are optimistic (see kvTxn): reads at one revision, writes
// committed by one etcd Txn whose compares cover what was read. The
// decision's read path is served from a node-local cache that an etcd
// watch keeps exact (see watch.go); with the watch lost, reads go to etcd.
// Every call has a deadline (Options.RequestTimeout): with etcd
// unreachable or without quorum, reads and writes fail, they do not hang.
package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// Defaults of Options.
const (
	DefaultPrefix         = "/jitgit/"
	DefaultRequestTimeout = 5 * time.Second
	// DefaultMaxTxnOps is etcd's own default of --max-txn-ops.
	DefaultMaxTxnOps = 128
)

// maxAttempts bounds how often a read-write transaction is retried after
// a conflict.
const maxAttempts = 20

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Prefix is put before every key (DefaultPrefix when empty); it must
	// end in '/'.
	Prefix string
	// RequestTimeout bounds every etcd call (DefaultRequestTimeout when
	// zero).
	RequestTimeout time.Duration
	// MaxTxnOps is the etcd server's --max-txn-ops (DefaultMaxTxnOps when
	// zero): bulk writes are cut into transactions below it.
	MaxTxnOps int
	// Now is the clock that stamps an audit event given without a time
	// (time.Now when nil).
	Now func() time.Time
}

// DB is the etcd-backed store. It is safe for concurrent use; Close it
// when done. It does not close the client.
type DB struct {
	cli            *clientv3.Client
	kv             clientv3.KV
	prefix         string
	requestTimeout time.Duration
	maxTxnOps      int
	now            func() time.Time

	// cache holds the subject indexes the decision reads; watch keeps it.
	cache *indexCache
	// batches are the committed batches, whose grants count (batches.go).
	batches committedBatches
	watch   *watcher
	leases  leases
	// appendMu serializes this node's AppendEvents, so that its own
	// appends do not conflict with each other; the compare on the head
	// orders them with other nodes'.
	appendMu sync.Mutex

	closeOnce sync.Once
}

var _ storage.Store = (*DB)(nil)

// Open returns the store under opts.Prefix in the etcd cli talks to, and
// starts the watch that keeps its cache. It fails if etcd does not answer
// within the request timeout.
func Open(ctx context.Context, cli *clientv3.Client, opts Options) (*DB, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("%w: etcd prefix %q must end in '/'", auth.ErrInvalid, prefix)
	}
	db := &DB{cli: cli, kv: cli.KV, prefix: prefix, requestTimeout: opts.RequestTimeout,
		maxTxnOps: opts.MaxTxnOps, now: opts.Now, cache: newIndexCache()}
	if db.requestTimeout <= 0 {
		db.requestTimeout = DefaultRequestTimeout
	}
	if db.maxTxnOps <= 0 {
		db.maxTxnOps = DefaultMaxTxnOps
	}
	if db.now == nil {
		db.now = time.Now
	}
	if err := db.update(ctx, func(txn *kvTxn) error {
		for _, k := range []string{record.KeyGrantOpenIndexed, record.KeyRequestIndexed} {
			if err := txn.Set([]byte(k), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("open etcd store %s: %w", prefix, err)
	}
	if err := db.loadBatches(ctx); err != nil {
		return nil, fmt.Errorf("open etcd store %s: %w", prefix, err)
	}
	db.watch = startWatcher(db)
	return db, nil
}

// Close stops the watch. Later calls do nothing.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.watch.stop() })
	return nil
}

// opContext bounds one etcd call by the request timeout.
func (db *DB) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, db.requestTimeout)
}

// ErrUnavailable wraps every failure to reach etcd or to get its quorum's
// answer in time. It is also auth.ErrUnavailable, so the service and the
// transports tell the client the store is down, not that it is refused.
var ErrUnavailable error = unavailableError{}

type unavailableError struct{}

func (unavailableError) Error() string { return "etcd store unavailable" }

// Is makes errors.Is(err, auth.ErrUnavailable) hold.
func (unavailableError) Is(target error) bool { return target == auth.ErrUnavailable }

// unavailable turns an etcd client error into one that says what to check.
func (db *DB) unavailable(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, rpctypes.ErrTooManyOps) {
		return fmt.Errorf("%w: %w (raise etcd's --max-txn-ops to at least [store] max_txn_ops)", ErrUnavailable, err)
	}
	if errors.Is(err, rpctypes.ErrRequestTooLarge) {
		return fmt.Errorf("%w: %w (raise etcd's --max-request-bytes)", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w (check that a majority of the etcd members at %s are up and reachable)",
		ErrUnavailable, err, strings.Join(db.cli.Endpoints(), ","))
}

// view runs fn over one revision of the store.
func (db *DB) view(ctx context.Context, fn func(txn *kvTxn) error) error {
	t := db.newTxn(ctx, false)
	err := fn(t)
	if t.err != nil && !errors.Is(t.err, errConflict) {
		return t.err
	}
	if errors.Is(t.err, errConflict) {
		return fmt.Errorf("read at a revision etcd has compacted; try again: %w", auth.ErrConflict)
	}
	return err
}

// update runs fn in an optimistic transaction and commits it, running fn
// again from a fresh revision on conflict. An error from fn is returned
// unchanged.
func (db *DB) update(ctx context.Context, fn func(txn *kvTxn) error) error {
	for attempt := range maxAttempts {
		if attempt > 0 {
			backOff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		t := db.newTxn(ctx, true)
		err := fn(t)
		if t.err != nil {
			if errors.Is(t.err, errConflict) {
				continue
			}
			return t.err
		}
		if err != nil {
			return err
		}
		err = t.commit()
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	return fmt.Errorf("%w: gave up after %d attempts", auth.ErrConflict, maxAttempts)
}

// perTxn is how many records of opsEach etcd operations each fit in one
// transaction below MaxTxnOps, leaving room for its compares and guards.
func (db *DB) perTxn(opsEach int) int {
	return max(1, (db.maxTxnOps-32)/opsEach)
}
