package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// AuditLog appends events durably. Concurrent callers share one Badger
// transaction (and one fsync) per batch, and Record returns only once the
// caller's event is on disk.
type AuditLog struct {
	store Store
	now   func() time.Time
	in    chan pending
	done  chan struct{}
	// watchers see every event once it is durable, in order. They run on
	// the writer's goroutine, so they must only hand the event on.
	watchMu  sync.Mutex
	watchers []func(Event)
	// mu is held shared while queueing and exclusively by Close, so nothing
	// is queued after the writer's last drain.
	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup
}

type pending struct {
	ev  Event
	err chan error
}

const auditBatch = 256

// ErrAuditClosed is returned by Record after Close.
var ErrAuditClosed = errors.New("audit log closed")

// NewAuditLog starts the writer. Close stops it.
func NewAuditLog(store Store, now func() time.Time) *AuditLog {
	l := &AuditLog{store: store, now: now, in: make(chan pending, auditBatch), done: make(chan struct{})}
	l.wg.Add(1)
	go l.run()
	return l
}

// Record stores one event and waits until it is durable. Time is set to now
// when zero.
func (l *AuditLog) Record(ctx context.Context, ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = l.now()
	}
	ev.Time = ev.Time.UTC()
	p := pending{ev: ev, err: make(chan error, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrAuditClosed
	}
	select {
	case l.in <- p:
		l.mu.RUnlock()
	case <-ctx.Done():
		l.mu.RUnlock()
		return fmt.Errorf("audit %s: %w", ev.Action, ctx.Err())
	}
	// Once queued the event is written even if ctx ends; wait for it so the
	// caller never acts on an unrecorded decision.
	return <-p.err
}

func (l *AuditLog) run() {
	defer l.wg.Done()
	batch := make([]pending, 0, auditBatch)
	for {
		select {
		case p := <-l.in:
			batch = append(batch[:0], p)
		case <-l.done:
			l.drain()
			return
		}
	fill:
		for len(batch) < auditBatch {
			select {
			case p := <-l.in:
				batch = append(batch, p)
			default:
				break fill
			}
		}
		l.write(batch)
	}
}

func (l *AuditLog) drain() {
	for {
		select {
		case p := <-l.in:
			l.write([]pending{p})
		default:
			return
		}
	}
}

func (l *AuditLog) write(batch []pending) {
	evs := make([]Event, len(batch))
	for i, p := range batch {
		evs[i] = p.ev
	}
	stored, err := l.store.AppendEvents(context.Background(), evs)
	if err != nil {
		err = fmt.Errorf("audit: %w", err)
	}
	for _, p := range batch {
		p.err <- err
	}
	if err == nil {
		l.watchMu.Lock()
		ws := l.watchers
		l.watchMu.Unlock()
		for _, e := range stored {
			for _, w := range ws {
				w(e)
			}
		}
	}
}

// Watch registers f to see every event after it is stored, in order. Call
// it before the log is in use; f runs on the writer's goroutine and must
// not block (hand the event to a queue).
func (l *AuditLog) Watch(f func(Event)) {
	l.watchMu.Lock()
	l.watchers = append(l.watchers, f)
	l.watchMu.Unlock()
}

// Close writes what is queued and stops the writer.
func (l *AuditLog) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	l.mu.Unlock()
	l.wg.Wait()
}
