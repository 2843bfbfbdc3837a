package mirror

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// SchedulerStats say how well the scheduler keeps up.
type SchedulerStats struct {
	// Fetches is how many scheduled fetches have started.
	Fetches int64
	// MaxLag is the longest a due mirror waited to start, by the
	// scheduler's clock; TotalLag the sum over Fetches.
	MaxLag, TotalLag time.Duration
}

// Stats returns the scheduler's figures since it was made.
func (m *Mirrors) Stats() SchedulerStats {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	return m.stats
}

// queue is the due mirrors in the order they became due, each at most
// once: its size is bounded by the number of mirrors.
type queue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	names   []queued
	pending map[string]bool // queued or being fetched by a worker
	closed  bool
}

type queued struct {
	name string
	due  time.Time
}

func newQueue() *queue {
	q := &queue{pending: make(map[string]bool)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// push queues name unless it is queued or running already.
func (q *queue) push(name string, due time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.pending[name] || q.closed {
		return
	}
	q.pending[name] = true
	q.names = append(q.names, queued{name, due})
	q.cond.Signal()
}

// pop waits for the next mirror; ok is false once the queue is closed.
func (q *queue) pop() (queued, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.names) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return queued{}, false
	}
	next := q.names[0]
	q.names[0] = queued{}
	q.names = q.names[1:]
	return next, true
}

// done lets name be queued again.
func (q *queue) done(name string) {
	q.mu.Lock()
	delete(q.pending, name)
	q.mu.Unlock()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// Run fetches the mirrors that are due until ctx ends: it looks for due
// mirrors now and every tick, queues each once, and MaxParallel workers
// fetch them in the order they became due, so a slow or hung upstream
// holds one worker (until the timeout kills it) and never the others. It
// then kills the fetches still running (also those started through the
// API) and returns once the scheduled ones have been recorded. Run may be
// called again after it returned: on a cluster it runs while this node
// leads the mirror schedule.
func (m *Mirrors) Run(ctx context.Context) {
	q := newQueue()
	var wg sync.WaitGroup
	defer func() {
		q.close()
		// Kill the fetches running, and let the next Run (after this node
		// leads the schedule again) and the API start new ones.
		m.mu.Lock()
		close(m.quit)
		m.quit = make(chan struct{})
		m.mu.Unlock()
		wg.Wait()
	}()
	for range cap(m.slots) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.work(ctx, q)
		}()
	}
	t := time.NewTicker(m.tick)
	defer t.Stop()
	for {
		m.queueDue(ctx, q)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// queueDue queues every due mirror.
func (m *Mirrors) queueDue(ctx context.Context, q *queue) {
	rs, err := m.svc.ListRepos(ctx, system)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("mirrors: list repositories", "err", err)
		}
		return
	}
	now := m.now()
	for _, r := range rs {
		if at, ok := r.NextSync(); ok && !now.Before(at) {
			if at.IsZero() {
				at = r.Created
			}
			q.push(r.Name, at)
		}
	}
}

// work fetches queued mirrors until the queue closes.
func (m *Mirrors) work(ctx context.Context, q *queue) {
	for {
		next, ok := q.pop()
		if !ok {
			return
		}
		if lag := m.now().Sub(next.due); lag >= 0 {
			m.statsMu.Lock()
			m.stats.Fetches++
			m.stats.TotalLag += lag
			m.stats.MaxLag = max(m.stats.MaxLag, lag)
			m.statsMu.Unlock()
		}
		if _, err := m.svc.SyncMirror(ctx, system, next.name, m); err != nil && ctx.Err() == nil &&
			!errors.Is(err, auth.ErrConflict) && !errors.Is(err, auth.ErrUpstream) {
			m.log.Warn("mirror sync failed", "repo", next.name, "err", err)
		}
		q.done(next.name)
	}
}
