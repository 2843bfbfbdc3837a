package etcdstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// tx is the storage.Tx of one attempt of View or Update.
type tx struct {
	txn    *kvTxn
	update bool
	// db is the store, for which grants count (DB.visible).
	db *DB
	// grantSubjects are the subjects whose grant index this attempt
	// wrote, and policies whether it wrote the policy index: what the
	// index cache must forget once the transaction has committed.
	grantSubjects []string
	policies      bool
}

func (t *tx) Users() storage.Users             { return users{t} }
func (t *tx) Tokens() storage.Tokens           { return tokens{t} }
func (t *tx) Keys() storage.Keys               { return keys{t} }
func (t *tx) Repos() storage.Repos             { return repos{t} }
func (t *tx) Grants() storage.Grants           { return grants{t} }
func (t *tx) Policies() storage.Policies       { return policies{t} }
func (t *tx) Requests() storage.Requests       { return requests{t} }
func (t *tx) Protections() storage.Protections { return protections{t} }
func (t *tx) Sessions() storage.Sessions       { return sessions{t} }
func (t *tx) Intents() storage.Intents         { return intents{t} }
func (t *tx) Credentials() storage.Credentials { return credentials{t} }
func (t *tx) Deliveries() storage.Deliveries   { return deliveries{t} }

// View runs fn in a read-only transaction at one etcd revision.
func (db *DB) View(ctx context.Context, fn func(storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.view(ctx, func(txn *kvTxn) error { return fn(&tx{txn: txn, db: db}) })
}

// Update runs fn in an optimistic transaction (see kvTxn), retrying on
// conflict, and once it has committed makes the index cache forget what
// fn changed; other nodes forget it when their watch sees the write.
func (db *DB) Update(ctx context.Context, fn func(storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var last *tx
	fnFailed := false
	err := db.update(ctx, func(txn *kvTxn) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		last = &tx{txn: txn, update: true, db: db}
		err := fn(last)
		fnFailed = err != nil
		return err
	})
	// A commit that failed on the way back may still have landed.
	if last != nil && !fnFailed {
		if len(last.grantSubjects) > 0 {
			db.cache.invalidateGrants(last.grantSubjects...)
		}
		if last.policies {
			db.cache.invalidate()
		}
	}
	return err
}

// listed makes an Update conflict with any transaction that adds a record
// to scope: the guard key makes the lists of
// a scope conflict as they do over Badger; the range compares of kvTxn
// would catch the insertion too.
func (t *tx) listed(scope string) error {
	if !t.update {
		return nil
	}
	_, err := t.txn.Get(record.GuardKey(scope))
	if err != nil && !errors.Is(err, errKeyNotFound) {
		return err
	}
	return nil
}

// added marks scope as written, for the lists that read it; see listed.
func (t *tx) added(scopes ...string) error {
	for _, s := range scopes {
		if err := t.txn.Set(record.GuardKey(s), nil); err != nil {
			return err
		}
	}
	return nil
}

// backOff waits a little, at random, before attempt (from 1), so that
// transactions that conflicted do not meet again at once.
func backOff(attempt int) {
	time.Sleep(rand.N(time.Duration(attempt) * 200 * time.Microsecond))
}
