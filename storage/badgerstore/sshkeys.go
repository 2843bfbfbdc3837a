package badgerstore

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// keys is storage.Keys in one transaction.
type keys struct{ t *tx }

// Create stores an SSH key for its user. It fails with auth.ErrExists when
// any user already has the fingerprint.
func (s keys) Create(k auth.Key) error {
	if err := record.CheckID("key fingerprint", k.Fingerprint); err != nil {
		return err
	}
	if err := record.CheckSegment("key user", k.User); err != nil {
		return err
	}
	txn := s.t.txn
	ok, err := exists(txn, record.KeyKey(k.Fingerprint))
	if err != nil {
		return fmt.Errorf("key %s: %w", k.Fingerprint, err)
	}
	if ok {
		return fmt.Errorf("key %s: %w", k.Fingerprint, auth.ErrExists)
	}
	if err := set(txn, record.KeyKey(k.Fingerprint), k); err != nil {
		return err
	}
	if err := s.t.added("key-user/" + k.User); err != nil {
		return fmt.Errorf("key %s: %w", k.Fingerprint, err)
	}
	if err := txn.Set(record.KeyUserKey(k.User, k.Fingerprint), nil); err != nil {
		return fmt.Errorf("key %s: %w", k.Fingerprint, err)
	}
	return nil
}

// Get returns the key with the fingerprint, whoever owns it.
func (s keys) Get(fingerprint string) (auth.Key, error) {
	return get[auth.Key](s.t.txn, record.KeyKey(fingerprint), "key "+fingerprint)
}

// List returns the keys of user, oldest first.
func (s keys) List(user string) ([]auth.Key, error) {
	if err := record.CheckSegment("user name", user); err != nil {
		return nil, err
	}
	if err := s.t.listed("key-user/" + user); err != nil {
		return nil, fmt.Errorf("list keys of %q: %w", user, err)
	}
	var ks []auth.Key
	for _, fp := range scanKeys(s.t.txn, record.KeyUserPrefix(user)) {
		k, err := s.Get(fp)
		if err != nil {
			return nil, fmt.Errorf("list keys of %q: %w", user, err)
		}
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b auth.Key) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	return ks, nil
}

// Delete removes the key with the fingerprint from user. A key of another
// user is reported as not found.
func (s keys) Delete(user, fingerprint string) error {
	what := fmt.Sprintf("key %s of %q", fingerprint, user)
	k, err := get[auth.Key](s.t.txn, record.KeyKey(fingerprint), what)
	if err != nil {
		return err
	}
	if k.User != user {
		return fmt.Errorf("%s: %w", what, auth.ErrNotFound)
	}
	if err := s.t.txn.Delete(record.KeyKey(fingerprint)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := s.t.txn.Delete(record.KeyUserKey(user, fingerprint)); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
