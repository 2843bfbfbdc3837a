package badgerstore

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// sessions is storage.Sessions in one transaction.
type sessions struct{ t *tx }

// Create stores a new web session, which Badger drops once it expires. The
// hash must be new.
func (s sessions) Create(se auth.Session) error {
	if err := record.CheckID("session hash", se.Hash); err != nil {
		return err
	}
	b, err := encode(se)
	if err != nil {
		return err
	}
	ok, err := exists(s.t.txn, record.SessionKey(se.Hash))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	if ok {
		return fmt.Errorf("session: %w", auth.ErrExists)
	}
	e := badger.NewEntry(record.SessionKey(se.Hash), b)
	e.ExpiresAt = expiresAt(se.Expires)
	if err := s.t.txn.SetEntry(e); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}

// Get returns the session with the hash if it has not expired by now.
func (s sessions) Get(hash string, now time.Time) (auth.Session, error) {
	se, err := get[auth.Session](s.t.txn, record.SessionKey(hash), "session")
	if err != nil {
		return auth.Session{}, err
	}
	if !now.Before(se.Expires) {
		return auth.Session{}, fmt.Errorf("session: expired: %w", auth.ErrNotFound)
	}
	return se, nil
}

// Delete removes the session with the hash; one that is gone already is no
// error.
func (s sessions) Delete(hash string) error {
	if err := s.t.txn.Delete(record.SessionKey(hash)); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	return nil
}
