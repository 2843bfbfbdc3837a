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

// CreateRequest stores a new access request; the id must be new.
func (db *DB) CreateRequest(ctx context.Context, r auth.Request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("request id", r.ID); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		ok, err := exists(txn, requestKey(r.ID))
		if err != nil {
			return fmt.Errorf("request %q: %w", r.ID, err)
		}
		if ok {
			return fmt.Errorf("request %q: %w", r.ID, auth.ErrExists)
		}
		return set(txn, requestKey(r.ID), r)
	})
}

// GetRequest returns the request id.
func (db *DB) GetRequest(ctx context.Context, id string) (auth.Request, error) {
	if err := ctx.Err(); err != nil {
		return auth.Request{}, err
	}
	var r auth.Request
	err := db.view(func(txn *badger.Txn) error {
		var err error
		r, err = get[auth.Request](txn, requestKey(id), fmt.Sprintf("request %q", id))
		return err
	})
	return r, err
}

// UpdateRequest applies fn to the request id, and when fn returns a grant,
// creates that grant, all in one transaction. Concurrent updates retry and
// so see each other's result: of many approvals racing on a pending
// request, one makes the grant and the others see it decided. fn may not
// change the id.
func (db *DB) UpdateRequest(ctx context.Context, id string, fn func(*auth.Request) (*auth.Grant, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var touched []string // the subject of a grant this write stores
	defer func() { db.cache.invalidateGrants(touched...) }()
	return db.update(func(txn *badger.Txn) error {
		r, err := get[auth.Request](txn, requestKey(id), fmt.Sprintf("request %q", id))
		if err != nil {
			return err
		}
		g, err := fn(&r)
		if err != nil {
			return err
		}
		if r.ID != id {
			return fmt.Errorf("%w: request %q: the id cannot change", auth.ErrInvalid, id)
		}
		if err := set(txn, requestKey(id), r); err != nil {
			return err
		}
		touched = touched[:0]
		if g == nil {
			return nil
		}
		touched = append(touched, g.Subject)
		return putRequestGrant(txn, *g)
	})
}

// ListRequests returns every request, newest first.
func (db *DB) ListRequests(ctx context.Context) ([]auth.Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rs []auth.Request
	err := db.view(func(txn *badger.Txn) error {
		var err error
		rs, err = scan[auth.Request](txn, []byte(prefixRequest))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	slices.SortFunc(rs, func(a, b auth.Request) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return rs, nil
}

// putRequestGrant stores the grant of an approved request: a new grant, or
// an extended one replacing the grant with its id. An extension may move the
// end but not change whom the grant is for.
func putRequestGrant(txn *badger.Txn, g auth.Grant) error {
	old, err := get[auth.Grant](txn, grantKey(g.ID), fmt.Sprintf("grant %q", g.ID))
	if errors.Is(err, auth.ErrNotFound) {
		return createGrant(txn, g)
	}
	if err != nil {
		return err
	}
	if old.Subject != g.Subject || old.Repo != g.Repo {
		return fmt.Errorf("grant %q belongs to another subject or repository (an extension cannot change them): %w", g.ID, auth.ErrExists)
	}
	if err := checkGrant(g); err != nil {
		return err
	}
	return setGrant(txn, g)
}
