package badgerstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// CreateKey stores an SSH key for its user. It fails with auth.ErrExists
// when any user already has the fingerprint.
func (db *DB) CreateKey(ctx context.Context, k auth.Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("key fingerprint", k.Fingerprint); err != nil {
		return err
	}
	if err := checkSegment("key user", k.User); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		ok, err := exists(txn, keyKey(k.Fingerprint))
		if err != nil {
			return fmt.Errorf("key %s: %w", k.Fingerprint, err)
		}
		if ok {
			return fmt.Errorf("key %s: %w", k.Fingerprint, auth.ErrExists)
		}
		if err := set(txn, keyKey(k.Fingerprint), k); err != nil {
			return err
		}
		return txn.Set(keyUserKey(k.User, k.Fingerprint), nil)
	})
}

// GetKey returns the key with the fingerprint, whoever owns it.
func (db *DB) GetKey(ctx context.Context, fingerprint string) (auth.Key, error) {
	if err := ctx.Err(); err != nil {
		return auth.Key{}, err
	}
	var k auth.Key
	err := db.view(func(txn *badger.Txn) error {
		var err error
		k, err = get[auth.Key](txn, keyKey(fingerprint), "key "+fingerprint)
		return err
	})
	return k, err
}

// ListKeys returns the keys of user, oldest first.
func (db *DB) ListKeys(ctx context.Context, user string) ([]auth.Key, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkSegment("user name", user); err != nil {
		return nil, err
	}
	var ks []auth.Key
	err := db.view(func(txn *badger.Txn) error {
		for _, fp := range scanKeys(txn, keyUserPrefix(user)) {
			k, err := get[auth.Key](txn, keyKey(fp), "key "+fp)
			if err != nil {
				return err
			}
			ks = append(ks, k)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list keys of %q: %w", user, err)
	}
	slices.SortFunc(ks, func(a, b auth.Key) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	return ks, nil
}

// DeleteKey removes the key with the fingerprint from user. A key of another
// user is reported as not found.
func (db *DB) DeleteKey(ctx context.Context, user, fingerprint string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		what := fmt.Sprintf("key %s of %q", fingerprint, user)
		k, err := get[auth.Key](txn, keyKey(fingerprint), what)
		if err != nil {
			return err
		}
		if k.User != user {
			return fmt.Errorf("%s: %w", what, auth.ErrNotFound)
		}
		if err := txn.Delete(keyKey(fingerprint)); err != nil {
			return err
		}
		return txn.Delete(keyUserKey(user, fingerprint))
	})
}
