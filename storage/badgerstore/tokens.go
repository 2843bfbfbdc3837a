package badgerstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// CreateToken stores a new token and indexes it by hash and by user. Both
// its id and its hash must be new.
func (db *DB) CreateToken(ctx context.Context, t auth.Token) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("token id", t.ID); err != nil {
		return err
	}
	if err := checkID("token hash", t.Hash); err != nil {
		return err
	}
	if err := checkSegment("token user", t.User); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		for _, k := range [][]byte{tokenKey(t.ID), tokenHashKey(t.Hash)} {
			ok, err := exists(txn, k)
			if err != nil {
				return fmt.Errorf("token %q: %w", t.ID, err)
			}
			if ok {
				return fmt.Errorf("token %q: %w", t.ID, auth.ErrExists)
			}
		}
		if err := set(txn, tokenKey(t.ID), t); err != nil {
			return err
		}
		if err := txn.Set(tokenHashKey(t.Hash), []byte(t.ID)); err != nil {
			return err
		}
		return txn.Set(tokenUserKey(t.User, t.ID), nil)
	})
}

// TokenByHash returns the token whose secret hashes to hash, revoked and
// expired ones included.
func (db *DB) TokenByHash(ctx context.Context, hash string) (auth.Token, error) {
	if err := ctx.Err(); err != nil {
		return auth.Token{}, err
	}
	var t auth.Token
	err := db.view(func(txn *badger.Txn) error {
		item, err := txn.Get(tokenHashKey(hash))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("token: %w", auth.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("token by hash: %w", err)
		}
		id, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("token by hash: %w", err)
		}
		t, err = get[auth.Token](txn, tokenKey(string(id)), fmt.Sprintf("token %q", id))
		return err
	})
	return t, err
}

// UpdateToken applies fn to the token id atomically. fn may not change the
// token's id, user or hash.
func (db *DB) UpdateToken(ctx context.Context, id string, fn func(*auth.Token) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		t, err := get[auth.Token](txn, tokenKey(id), fmt.Sprintf("token %q", id))
		if err != nil {
			return err
		}
		old := t
		if err := fn(&t); err != nil {
			return err
		}
		if t.ID != old.ID || t.User != old.User || t.Hash != old.Hash {
			return fmt.Errorf("%w: token %q: id, user and hash cannot change", auth.ErrInvalid, id)
		}
		return set(txn, tokenKey(id), t)
	})
}

// ListTokens returns the tokens of user, oldest first.
func (db *DB) ListTokens(ctx context.Context, user string) ([]auth.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkSegment("user name", user); err != nil {
		return nil, err
	}
	var ts []auth.Token
	err := db.view(func(txn *badger.Txn) error {
		for _, id := range scanKeys(txn, tokenUserPrefix(user)) {
			t, err := get[auth.Token](txn, tokenKey(id), fmt.Sprintf("token %q", id))
			if err != nil {
				return err
			}
			ts = append(ts, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens of %q: %w", user, err)
	}
	slices.SortFunc(ts, func(a, b auth.Token) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return ts, nil
}
