package badgerstore

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// tokens is storage.Tokens in one transaction.
type tokens struct{ t *tx }

// Create stores a new token and indexes it by hash and by user. Both its id
// and its hash must be new.
func (s tokens) Create(t auth.Token) error {
	if err := record.CheckID("token id", t.ID); err != nil {
		return err
	}
	if err := record.CheckID("token hash", t.Hash); err != nil {
		return err
	}
	if err := record.CheckSegment("token user", t.User); err != nil {
		return err
	}
	txn := s.t.txn
	for _, k := range [][]byte{record.TokenKey(t.ID), record.TokenHashKey(t.Hash)} {
		ok, err := exists(txn, k)
		if err != nil {
			return fmt.Errorf("token %q: %w", t.ID, err)
		}
		if ok {
			return fmt.Errorf("token %q: %w", t.ID, auth.ErrExists)
		}
	}
	if err := set(txn, record.TokenKey(t.ID), t); err != nil {
		return err
	}
	if err := txn.Set(record.TokenHashKey(t.Hash), []byte(t.ID)); err != nil {
		return fmt.Errorf("token %q: %w", t.ID, err)
	}
	if err := s.t.added("token-user/" + t.User); err != nil {
		return fmt.Errorf("token %q: %w", t.ID, err)
	}
	if err := txn.Set(record.TokenUserKey(t.User, t.ID), nil); err != nil {
		return fmt.Errorf("token %q: %w", t.ID, err)
	}
	return nil
}

// Get returns the token id.
func (s tokens) Get(id string) (auth.Token, error) {
	return get[auth.Token](s.t.txn, record.TokenKey(id), fmt.Sprintf("token %q", id))
}

// ByHash returns the token whose secret hashes to hash, revoked and expired
// ones included.
func (s tokens) ByHash(hash string) (auth.Token, error) {
	item, err := s.t.txn.Get(record.TokenHashKey(hash))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return auth.Token{}, fmt.Errorf("token: %w", auth.ErrNotFound)
	}
	if err != nil {
		return auth.Token{}, fmt.Errorf("token by hash: %w", err)
	}
	id, err := item.ValueCopy(nil)
	if err != nil {
		return auth.Token{}, fmt.Errorf("token by hash: %w", err)
	}
	return s.Get(string(id))
}

// Update replaces the token t.ID; its user and hash cannot change.
func (s tokens) Update(t auth.Token) error {
	old, err := s.Get(t.ID)
	if err != nil {
		return err
	}
	if t.User != old.User || t.Hash != old.Hash {
		return fmt.Errorf("%w: token %q: user and hash cannot change", auth.ErrInvalid, t.ID)
	}
	return set(s.t.txn, record.TokenKey(t.ID), t)
}

// List returns the tokens of user, oldest first.
func (s tokens) List(user string) ([]auth.Token, error) {
	if err := record.CheckSegment("user name", user); err != nil {
		return nil, err
	}
	if err := s.t.listed("token-user/" + user); err != nil {
		return nil, fmt.Errorf("list tokens of %q: %w", user, err)
	}
	var ts []auth.Token
	for _, id := range scanKeys(s.t.txn, record.TokenUserPrefix(user)) {
		t, err := s.Get(id)
		if err != nil {
			return nil, fmt.Errorf("list tokens of %q: %w", user, err)
		}
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b auth.Token) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return ts, nil
}
