package etcdstore

import (
	"context"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// Liveness of the watch: the watcher asks etcd for a progress notification
// every progressEvery, and each answer (or event) vouches for the cache
// for staleAfter. A watch that has gone quiet, because etcd or the network
// has, stops the cache from answering within staleAfter.
const (
	progressEvery = 200 * time.Millisecond
	staleAfter    = time.Second
	// retryEvery is the pause before the watch is opened again after it
	// was lost.
	retryEvery = 200 * time.Millisecond
)

// watcher follows every write under the store's prefix, from any node, and
// invalidates what the write touched in the index cache. It also learns of
// batches other nodes committed.
type watcher struct {
	db     *DB
	cancel context.CancelFunc
	done   chan struct{}
	mark   watchMark
}

func startWatcher(db *DB) *watcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{db: db, cancel: cancel, done: make(chan struct{})}
	go w.run(ctx)
	return w
}

func (w *watcher) stop() {
	w.cancel()
	<-w.done
}

// run keeps a watch open until stopped. Each time it (re)opens one it
// reads the current revision, empties the cache and watches from the next
// revision, so the cache starts empty and misses no write after it.
func (w *watcher) run(ctx context.Context) {
	defer close(w.done)
	for ctx.Err() == nil {
		w.watchOnce(ctx)
		w.setLive(false, 0)
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryEvery):
		}
	}
}

// watchOnce opens one watch and follows it until it is lost.
func (w *watcher) watchOnce(ctx context.Context) {
	db := w.db
	rctx, cancel := db.opContext(ctx)
	resp, err := db.kv.Get(rctx, db.prefix+record.KeyGrantOpenIndexed)
	cancel()
	if err != nil {
		return
	}
	start := resp.Header.Revision
	wctx, stopWatch := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer stopWatch()
	ch := db.cli.Watch(wctx, db.prefix, clientv3.WithPrefix(), clientv3.WithRev(start+1), clientv3.WithProgressNotify())
	w.setLive(true, start)
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			pctx, cancel := db.opContext(wctx)
			err := db.cli.RequestProgress(pctx)
			cancel()
			if err != nil {
				return
			}
		case wr, ok := <-ch:
			if !ok || wr.Canceled || wr.Err() != nil {
				return // compacted, cancelled or without a leader
			}
			w.apply(wr)
		}
	}
}

// setLive empties the cache and marks it serving or not. It returns the
// cache's time of the change, read under the cache's lock like every use
// of its clock.
func (w *watcher) setLive(live bool, rev int64) {
	c := w.db.cache
	c.mu.Lock()
	c.gen++
	c.seenLocked(rev)
	c.live = live
	at := c.now()
	c.aliveUntil = at.Add(staleAfter)
	c.grants.purge()
	c.policies.purge()
	c.protections, c.protectionsRead = nil, false
	clear(c.protectionsOf)
	c.mu.Unlock()
	if live {
		w.mark.heard(rev, at)
	}
}

// apply invalidates what the events of wr touched, and renews the cache's
// liveness.
func (w *watcher) apply(wr clientv3.WatchResponse) {
	db := w.db
	var subjects []string
	all := false
	// rev is the newest revision that invalidated something: audit
	// appends, the most frequent writes, touch no cached list and must
	// not keep readers from caching.
	var rev int64
	for _, ev := range wr.Events {
		k := strings.TrimPrefix(string(ev.Kv.Key), db.prefix)
		switch {
		case strings.HasPrefix(k, record.PrefixGrantSubject):
			s, _, _ := strings.Cut(k[len(record.PrefixGrantSubject):], "/")
			subjects = append(subjects, s)
			rev = max(rev, ev.Kv.ModRevision)
		case strings.HasPrefix(k, record.PrefixPolicy), strings.HasPrefix(k, record.PrefixPolicySubject), strings.HasPrefix(k, record.PrefixProtection):
			all = true
			rev = max(rev, ev.Kv.ModRevision)
		case strings.HasPrefix(k, prefixBatch) && ev.Type == clientv3.EventTypePut:
			var b storage.Batch
			if decode(ev.Kv.Value, &b) == nil && b.State >= storage.BatchCommitted {
				db.batches.add(b.ID)
			}
		}
	}
	c := db.cache
	c.mu.Lock()
	if len(subjects) > 0 || all {
		c.gen++
	}
	if all {
		c.grants.purge()
		c.policies.purge()
		c.protections, c.protectionsRead = nil, false
		clear(c.protectionsOf)
	}
	for _, s := range subjects {
		c.grants.remove(s)
	}
	c.seenLocked(rev)
	at := c.now()
	c.aliveUntil = at.Add(staleAfter)
	c.mu.Unlock()
	w.mark.heard(wr.Header.Revision, at)
}
