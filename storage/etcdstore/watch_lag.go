package etcdstore

import (
	"sync/atomic"
	"time"
)

// watchMark is what the watcher last heard: the revision its cache has
// applied and when, read by cluster status without locking the cache.
type watchMark struct {
	rev atomic.Int64
	at  atomic.Int64 // unix nanoseconds
}

func (m *watchMark) heard(rev int64, at time.Time) {
	if rev > 0 {
		m.rev.Store(rev)
	}
	m.at.Store(at.UnixNano())
}

// WatchLag returns the newest etcd revision the caches have applied and
// when the watch last answered (an event or a progress notification). It
// reads only what the watcher already knows.
func (db *DB) WatchLag() (applied int64, lastEvent time.Time) {
	m := &db.watch.mark
	at := m.at.Load()
	if at == 0 {
		return m.rev.Load(), time.Time{}
	}
	return m.rev.Load(), time.Unix(0, at)
}
