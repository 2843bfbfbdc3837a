// Package badgerstore keeps jitgit's records in Badger. DB implements
// storage.Store: users, tokens, SSH keys, repositories, grants, policies,
// requests, the hash-chained audit trail and web sessions.
package badgerstore

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// DefaultGCInterval is how often Open runs value-log garbage collection when
// Options.GCInterval is zero.
const DefaultGCInterval = 10 * time.Minute

// maxAttempts bounds how often a read-write transaction is retried after
// badger.ErrConflict.
const maxAttempts = 10

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Logger receives Badger's warnings and errors. Nil: Badger is quiet.
	Logger *slog.Logger
	// GCInterval is the period of value-log garbage collection
	// (DefaultGCInterval when zero).
	GCInterval time.Duration
	// Now is the clock that stamps an audit event given without a time
	// (time.Now when nil): the server's, so the trail and the decisions
	// read the same time.
	Now func() time.Time
}

// DB is the Badger-backed store. It is safe for concurrent use; Close it when
// done.
type DB struct {
	bdb *badger.DB

	// appendMu serializes AppendEvents so the audit chain never conflicts.
	appendMu sync.Mutex

	// cache holds the subject indexes the decision reads; see indexCache.
	cache *indexCache
	// batches are the committed batches, whose grants count (batches.go).
	batches committedBatches
	now     func() time.Time

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var _ storage.Store = (*DB)(nil)

// smallMemory applies the options that keep Badger's memory use modest.
// A 4 MiB memtable allows transactions of about 600 KiB, so ValueThreshold
// must stay below that.
func smallMemory(o badger.Options) badger.Options {
	return o.
		WithMemTableSize(4 << 20).
		WithValueThreshold(64 << 10).
		WithNumMemtables(3).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(8 << 20).
		WithNumCompactors(2).
		WithValueLogFileSize(64 << 20)
}

// Open opens (creating if needed) the database in dir with synchronous
// writes, and starts value-log garbage collection that Close stops.
func Open(dir string, opts Options) (*DB, error) {
	bo := smallMemory(badger.DefaultOptions(dir)).
		WithSyncWrites(true).
		WithLogger(nil)
	if opts.Logger != nil {
		bo = bo.WithLogger(slogAdapter{opts.Logger}) // warnings and errors only
	}
	bdb, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", dir, err)
	}
	interval := opts.GCInterval
	if interval <= 0 {
		interval = DefaultGCInterval
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	db := &DB{bdb: bdb, cache: newIndexCache(), now: now, stop: make(chan struct{}), done: make(chan struct{})}
	if err := db.loadBatches(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if err := db.indexRequests(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	if err := db.indexOpenGrants(); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	go db.collectGarbage(interval)
	return db, nil
}

// OpenInMemory opens an empty database that lives in memory only, for tests.
func OpenInMemory() (*DB, error) {
	bo := smallMemory(badger.DefaultOptions("")).
		WithInMemory(true).
		WithLogger(nil)
	bdb, err := badger.Open(bo)
	if err != nil {
		return nil, fmt.Errorf("open in-memory database: %w", err)
	}
	db := &DB{bdb: bdb, cache: newIndexCache(), now: time.Now, stop: make(chan struct{}), done: make(chan struct{})}
	close(db.done) // no value log to collect
	if err := db.update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte(record.KeyGrantOpenIndexed), nil); err != nil {
			return err
		}
		return txn.Set([]byte(record.KeyRequestIndexed), nil)
	}); err != nil {
		_ = bdb.Close()
		return nil, err
	}
	return db, nil
}

// Close stops garbage collection and closes the database. Later calls return
// the result of the first.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stop)
		<-db.done
		if err := db.bdb.Close(); err != nil {
			db.closeErr = fmt.Errorf("close database: %w", err)
		}
	})
	return db.closeErr
}

// collectGarbage rewrites value-log files that are at least half garbage,
// every interval, until Close.
func (db *DB) collectGarbage(interval time.Duration) {
	defer close(db.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			for db.bdb.RunValueLogGC(0.5) == nil {
				select {
				case <-db.stop:
					return
				default:
				}
			}
		}
	}
}

// update runs fn in a read-write transaction and commits it, retrying on
// badger.ErrConflict. An error from fn is returned unchanged.
func (db *DB) update(fn func(txn *badger.Txn) error) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			backOff(attempt)
		}
		var fnErr error
		err = db.bdb.Update(func(txn *badger.Txn) error {
			fnErr = fn(txn)
			return fnErr
		})
		if fnErr != nil {
			return fnErr
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, badger.ErrConflict) {
			return fmt.Errorf("commit: %w", err)
		}
	}
	return fmt.Errorf("%w: gave up after %d attempts: %w", auth.ErrConflict, maxAttempts, err)
}

// view runs fn in a read-only transaction.
func (db *DB) view(fn func(txn *badger.Txn) error) error {
	return db.bdb.View(fn)
}
