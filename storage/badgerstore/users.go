package badgerstore

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// CreateUser stores a new user; a user of that name must not exist.
func (db *DB) CreateUser(ctx context.Context, u auth.User) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkSegment("user name", u.Name); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		ok, err := exists(txn, userKey(u.Name))
		if err != nil {
			return fmt.Errorf("user %q: %w", u.Name, err)
		}
		if ok {
			return fmt.Errorf("user %q: %w", u.Name, auth.ErrExists)
		}
		return set(txn, userKey(u.Name), u)
	})
}

// GetUser returns the user called name.
func (db *DB) GetUser(ctx context.Context, name string) (auth.User, error) {
	if err := ctx.Err(); err != nil {
		return auth.User{}, err
	}
	var u auth.User
	err := db.view(func(txn *badger.Txn) error {
		var err error
		u, err = get[auth.User](txn, userKey(name), fmt.Sprintf("user %q", name))
		return err
	})
	return u, err
}

// UpdateUser applies fn to the user called name atomically. fn may not
// rename the user.
func (db *DB) UpdateUser(ctx context.Context, name string, fn func(*auth.User) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		u, err := get[auth.User](txn, userKey(name), fmt.Sprintf("user %q", name))
		if err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		if u.Name != name {
			return fmt.Errorf("%w: user %q: the name cannot change", auth.ErrInvalid, name)
		}
		return set(txn, userKey(name), u)
	})
}

// ListUsers returns every user, sorted by name.
func (db *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var us []auth.User
	err := db.view(func(txn *badger.Txn) error {
		var err error
		us, err = scan[auth.User](txn, []byte(prefixUser))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}
