// Package audit keeps the tamper-evident trail: every decision and every
// change as an Event, appended durably in order by one writer.
package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// Appender stores events durably, in order, assigning their sequence
// numbers and chain hashes; a storage backend implements it.
type Appender interface {
	AppendEvents(ctx context.Context, evs []Event) ([]Event, error)
}

// Log appends events durably. Concurrent callers share one Badger
// transaction (and one fsync) per batch, and Record returns only once the
// caller's event is on disk.
type Log struct {
	store Appender
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

const batchSize = 256

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("audit log closed")

// NewLog starts the writer. Close stops it.
func NewLog(store Appender, now func() time.Time) *Log {
	l := &Log{store: store, now: now, in: make(chan pending, batchSize), done: make(chan struct{})}
	l.wg.Add(1)
	go l.run()
	return l
}

// Record stores one event and waits until it is durable. Time is set to now
// when zero.
func (l *Log) Record(ctx context.Context, ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = l.now()
	}
	ev.Time = ev.Time.UTC()
	p := pending{ev: ev, err: make(chan error, 1)}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
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

func (l *Log) run() {
	defer l.wg.Done()
	batch := make([]pending, 0, batchSize)
	for {
		select {
		case p := <-l.in:
			batch = append(batch[:0], p)
		case <-l.done:
			l.drain()
			return
		}
	fill:
		for len(batch) < batchSize {
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

func (l *Log) drain() {
	for {
		select {
		case p := <-l.in:
			l.write([]pending{p})
		default:
			return
		}
	}
}

func (l *Log) write(batch []pending) {
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

// RecordDecision records one access decision, allow and deny alike; it is
// the decision core's Recorder.
func (l *Log) RecordDecision(ctx context.Context, who auth.Identity, repo string, action auth.Action, d auth.Decision) error {
	ev := Event{
		Actor: who.Name(), Remote: who.Remote, Transport: who.Transport,
		Action: "access." + action.String(), Repo: repo, Result: "deny",
		Grant: d.Grant, Policy: d.Policy, Detail: d.Reason,
	}
	if u := action.Ref; u.Name != "" {
		// One event per ref update: the ref, both object ids, the kind
		// (create, update, force, delete) and what decided.
		ev.Action, ev.Target = "ref."+u.Kind.String(), u.Name
		ev.Detail = u.Old + " " + u.New + ": " + d.Reason
	}
	if d.Allowed {
		ev.Result = "allow"
	}
	return l.Record(ctx, ev)
}

// Watch registers f to see every event after it is stored, in order. Call
// it before the log is in use; f runs on the writer's goroutine and must
// not block (hand the event to a queue).
func (l *Log) Watch(f func(Event)) {
	l.watchMu.Lock()
	l.watchers = append(l.watchers, f)
	l.watchMu.Unlock()
}

// Close writes what is queued and stops the writer.
func (l *Log) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.done)
	}
	l.mu.Unlock()
	l.wg.Wait()
}
