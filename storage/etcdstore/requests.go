package etcdstore

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// requests is storage.Requests in one transaction. Besides the records,
// it keeps two indexes of empty keys, by requester and by status, so that
// a user's requests and the pending ones are read without decoding every
// request ever filed.
type requests struct{ t *tx }

// Create stores a new access request; the id must be new.
func (s requests) Create(r auth.Request) error {
	if err := record.CheckID("request id", r.ID); err != nil {
		return err
	}
	if err := record.CheckSegment("requester", r.Requester); err != nil {
		return err
	}
	if err := record.CheckSegment("request status", string(r.Status)); err != nil {
		return err
	}
	ok, err := exists(s.t.txn, record.RequestKey(r.ID))
	if err != nil {
		return fmt.Errorf("request %q: %w", r.ID, err)
	}
	if ok {
		return fmt.Errorf("request %q: %w", r.ID, auth.ErrExists)
	}
	if err := s.t.added("request", "request-by/"+r.Requester, "request-status/"+string(r.Status)); err != nil {
		return fmt.Errorf("request %q: %w", r.ID, err)
	}
	if err := s.t.txn.Set(record.RequestByKey(r.Requester, r.ID), nil); err != nil {
		return fmt.Errorf("request %q: %w", r.ID, err)
	}
	if err := s.t.txn.Set(record.RequestStatusKey(r.Status, r.ID), nil); err != nil {
		return fmt.Errorf("request %q: %w", r.ID, err)
	}
	return set(s.t.txn, record.RequestKey(r.ID), r)
}

// Get returns the request id.
func (s requests) Get(id string) (auth.Request, error) {
	return get[auth.Request](s.t.txn, record.RequestKey(id), fmt.Sprintf("request %q", id))
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
	if r.Status != old.Status {
		if err := record.CheckSegment("request status", string(r.Status)); err != nil {
			return err
		}
		// Moving into a status is an insertion into its list.
		if err := s.t.added("request-status/" + string(r.Status)); err != nil {
			return fmt.Errorf("request %q: %w", r.ID, err)
		}
		if err := s.t.txn.Delete(record.RequestStatusKey(old.Status, r.ID)); err != nil {
			return fmt.Errorf("request %q: %w", r.ID, err)
		}
		if err := s.t.txn.Set(record.RequestStatusKey(r.Status, r.ID), nil); err != nil {
			return fmt.Errorf("request %q: %w", r.ID, err)
		}
	}
	return set(s.t.txn, record.RequestKey(r.ID), r)
}

// List returns every request, newest first.
func (s requests) List() ([]auth.Request, error) {
	if err := s.t.listed("request"); err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	rs, err := scan[auth.Request](s.t.txn, []byte(record.PrefixRequest))
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return newestFirst(rs), nil
}

// ListBy returns the requests of requester, newest first, guarding only
// that requester's insertions.
func (s requests) ListBy(requester string) ([]auth.Request, error) {
	if err := record.CheckSegment("requester", requester); err != nil {
		return nil, err
	}
	if err := s.t.listed("request-by/" + requester); err != nil {
		return nil, fmt.Errorf("list requests of %q: %w", requester, err)
	}
	rs, err := s.indexed([]byte(record.PrefixRequestBy + requester + "/"))
	if err != nil {
		return nil, fmt.Errorf("list requests of %q: %w", requester, err)
	}
	return rs, nil
}

// ListStatus returns the requests in status, newest first.
func (s requests) ListStatus(status auth.RequestStatus) ([]auth.Request, error) {
	if err := record.CheckSegment("request status", string(status)); err != nil {
		return nil, err
	}
	if err := s.t.listed("request-status/" + string(status)); err != nil {
		return nil, fmt.Errorf("list %s requests: %w", status, err)
	}
	rs, err := s.indexed([]byte(record.PrefixRequestStatus + string(status) + "/"))
	if err != nil {
		return nil, fmt.Errorf("list %s requests: %w", status, err)
	}
	return rs, nil
}

// indexed reads the requests whose ids an index lists under prefix. Each
// record read is tracked by key, so a change to one conflicts as for Get.
func (s requests) indexed(prefix []byte) ([]auth.Request, error) {
	var rs []auth.Request
	for _, id := range scanKeys(s.t.txn, prefix) {
		r, err := s.Get(id)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return newestFirst(rs), nil
}

func newestFirst(rs []auth.Request) []auth.Request {
	slices.SortFunc(rs, func(a, b auth.Request) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return rs
}

// Scan calls fn with every request in key order, decoding one at a time,
// until fn returns false.
func (s requests) Scan(fn func(auth.Request) bool) error {
	it := s.t.txn.NewIterator(iterOptions{Prefix: []byte(record.PrefixRequest), PrefetchValues: true, PrefetchSize: 100})
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

// indexRequests builds the requester and status indexes of a database
// written before they existed, in transactions of bounded size, once:
