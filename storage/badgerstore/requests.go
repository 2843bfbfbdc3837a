package badgerstore

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// requests is storage.Requests in one transaction.
type requests struct{ t *tx }

// Create stores a new access request; the id must be new.
func (s requests) Create(r auth.Request) error {
	if err := checkID("request id", r.ID); err != nil {
		return err
	}
	if err := checkSegment("requester", r.Requester); err != nil {
		return err
	}
	ok, err := exists(s.t.txn, requestKey(r.ID))
	if err != nil {
		return fmt.Errorf("request %q: %w", r.ID, err)
	}
	if ok {
		return fmt.Errorf("request %q: %w", r.ID, auth.ErrExists)
	}
	if err := s.t.added("request", "request-by/"+r.Requester); err != nil {
		return fmt.Errorf("request %q: %w", r.ID, err)
	}
	return set(s.t.txn, requestKey(r.ID), r)
}

// Get returns the request id.
func (s requests) Get(id string) (auth.Request, error) {
	return get[auth.Request](s.t.txn, requestKey(id), fmt.Sprintf("request %q", id))
}

// Update replaces the request r.ID; its requester cannot change.
func (s requests) Update(r auth.Request) error {
	old, err := s.Get(r.ID)
	if err != nil {
		return err
	}
	if r.Requester != old.Requester {
		return fmt.Errorf("%w: request %q: the requester cannot change", auth.ErrInvalid, r.ID)
	}
	// A change of status is a change to ListBy's answer; the requests
	// ListBy read conflict by key already, so no guard is needed.
	return set(s.t.txn, requestKey(r.ID), r)
}

// List returns every request, newest first.
func (s requests) List() ([]auth.Request, error) {
	if err := s.t.listed("request"); err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return s.scan("")
}

// ListBy returns the requests of requester, newest first. There is no
// index by requester: it reads every request, as checking a user's open
// requests did before, but it guards only that requester's insertions.
func (s requests) ListBy(requester string) ([]auth.Request, error) {
	if err := checkSegment("requester", requester); err != nil {
		return nil, err
	}
	if err := s.t.listed("request-by/" + requester); err != nil {
		return nil, fmt.Errorf("list requests of %q: %w", requester, err)
	}
	return s.scan(requester)
}

// scan returns the requests of requester (all when empty), newest first.
func (s requests) scan(requester string) ([]auth.Request, error) {
	rs, err := scan[auth.Request](s.t.txn, []byte(prefixRequest))
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	if requester != "" {
		rs = slices.DeleteFunc(rs, func(r auth.Request) bool { return r.Requester != requester })
	}
	slices.SortFunc(rs, func(a, b auth.Request) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return rs, nil
}

// Scan calls fn with every request in key order, decoding one at a time,
// until fn returns false.
func (s requests) Scan(fn func(auth.Request) bool) error {
	it := s.t.txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixRequest), PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var r auth.Request
		if err := it.Item().Value(func(b []byte) error { return decode(b, &r) }); err != nil {
			return fmt.Errorf("scan requests: %s: %w", it.Item().Key(), err)
		}
		if !fn(r) {
			return nil
		}
	}
	return nil
}
