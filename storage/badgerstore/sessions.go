package badgerstore

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// CreateSession stores a new web session, which Badger drops once it
// expires. The hash must be new.
func (db *DB) CreateSession(ctx context.Context, s auth.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("session hash", s.Hash); err != nil {
		return err
	}
	b, err := encode(s)
	if err != nil {
		return err
	}
	e := badger.NewEntry(sessionKey(s.Hash), b)
	e.ExpiresAt = expiresAt(s.Expires)
	return db.update(func(txn *badger.Txn) error {
		ok, err := exists(txn, sessionKey(s.Hash))
		if err != nil {
			return fmt.Errorf("session: %w", err)
		}
		if ok {
			return fmt.Errorf("session: %w", auth.ErrExists)
		}
		return txn.SetEntry(e)
	})
}

// GetSession returns the session with the hash if it has not expired.
func (db *DB) GetSession(ctx context.Context, hash string) (auth.Session, error) {
	if err := ctx.Err(); err != nil {
		return auth.Session{}, err
	}
	var s auth.Session
	err := db.view(func(txn *badger.Txn) error {
		var err error
		s, err = get[auth.Session](txn, sessionKey(hash), "session")
		return err
	})
	if err != nil {
		return auth.Session{}, err
	}
	if !db.now().Before(s.Expires) {
		return auth.Session{}, fmt.Errorf("session: expired: %w", auth.ErrNotFound)
	}
	return s, nil
}

// DeleteSession removes the session with the hash. Deleting a session that
// is gone already succeeds, so signing out twice is harmless.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		return txn.Delete(sessionKey(hash))
	})
}
