package badgerstore

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// users is storage.Users in one transaction.
type users struct{ t *tx }

// Create stores a new user; a user of that name must not exist.
func (s users) Create(u auth.User) error {
	if err := record.CheckSegment("user name", u.Name); err != nil {
		return err
	}
	ok, err := exists(s.t.txn, record.UserKey(u.Name))
	if err != nil {
		return fmt.Errorf("user %q: %w", u.Name, err)
	}
	if ok {
		return fmt.Errorf("user %q: %w", u.Name, auth.ErrExists)
	}
	if err := s.t.added("user"); err != nil {
		return fmt.Errorf("user %q: %w", u.Name, err)
	}
	return set(s.t.txn, record.UserKey(u.Name), u)
}

// Get returns the user called name.
func (s users) Get(name string) (auth.User, error) {
	// The name is formatted only for an error: every failed sign-in with
	// a made-up name asks, and a flood of them asks ten thousand a second.
	item, err := s.t.txn.Get(record.UserKey(name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return auth.User{}, userNotFound(name)
	}
	var u auth.User
	if err == nil {
		err = item.Value(func(b []byte) error { return decode(b, &u) })
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// userNotFound is the error of a user that is not there, its text made
// only when read.
type userNotFound string

func (e userNotFound) Error() string { return fmt.Sprintf("user %q: %v", string(e), auth.ErrNotFound) }
func (e userNotFound) Unwrap() error { return auth.ErrNotFound }

// Update replaces the user called u.Name, which must exist.
func (s users) Update(u auth.User) error {
	if _, err := s.Get(u.Name); err != nil {
		return err
	}
	return set(s.t.txn, record.UserKey(u.Name), u)
}

// List returns every user, sorted by name.
func (s users) List() ([]auth.User, error) {
	if err := s.t.listed("user"); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	us, err := scan[auth.User](s.t.txn, []byte(record.PrefixUser))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}
