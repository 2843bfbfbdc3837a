package etcdstore

import (
	"context"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Clean-up of records past their use: web sessions after they expire, a
// grant's subject-index copy a day after the grant ends (indexGrace), as
// Badger's TTLs do. Nothing decides by a lease: readers compare the times
// with the clock. Records that end in the same hour share one lease, so
// a million sessions are a few hundred leases, not a million.
const (
	leaseBucket = time.Hour
	indexGrace  = 24 * time.Hour
	// maxLeaseTTL: a record of use for longer than this gets no lease
	// (etcd refuses TTLs above about 285 years; a year is plenty).
	maxLeaseTTL = int64(366 * 24 * time.Hour / time.Second)
)

// leases hands out the lease of each hour bucket, granted on first use.
type leases struct {
	mu  sync.Mutex
	ids map[int64]clientv3.LeaseID
}

// leaseFor returns a lease that ends at the end of the hour bucket after
// at, or 0 (no lease) when that is already past.
func (db *DB) leaseFor(ctx context.Context, at time.Time) (clientv3.LeaseID, error) {
	end := at.Truncate(leaseBucket).Add(leaseBucket)
	ttl := int64(time.Until(end).Seconds())
	if ttl <= 0 || ttl > maxLeaseTTL {
		return 0, nil
	}
	l := &db.leases
	l.mu.Lock()
	defer l.mu.Unlock()
	if id, ok := l.ids[end.Unix()]; ok {
		return id, nil
	}
	ctx, cancel := db.opContext(ctx)
	defer cancel()
	resp, err := db.cli.Grant(ctx, ttl+60)
	if err != nil {
		return 0, db.unavailable(err)
	}
	if l.ids == nil {
		l.ids = map[int64]clientv3.LeaseID{}
	}
	for k := range l.ids {
		if k < time.Now().Unix() {
			delete(l.ids, k) // its lease has ended
		}
	}
	l.ids[end.Unix()] = resp.ID
	return resp.ID, nil
}

// SetExpiring buffers a put of key whose record is of no use after at;
// etcd may drop it some time after.
func (t *kvTxn) SetExpiring(key, val []byte, at time.Time) error {
	if err := t.Set(key, val); err != nil {
		return err
	}
	if !at.IsZero() {
		w := t.writes[string(key)]
		w.expires = at
		t.writes[string(key)] = w
	}
	return nil
}
