// Package audit keeps the tamper-evident trail: every decision and every
// change as an Event, appended durably in order by one writer.
package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// Appender stores events durably, in order, assigning their sequence
// numbers and chain hashes; a storage backend implements it. An event that
// names an intent is appended once however often it is given, and
// Staged returns the staged events not yet appended.
type Appender interface {
	AppendEvents(ctx context.Context, evs []Event) ([]Event, error)
	Staged(ctx context.Context, limit int) ([]Event, error)
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
	// deadline bounds how long Record waits; 0 waits for as long as the
	// store takes. late counts the waits it cut short.
	// SetDeadline may change it while events are recorded.
	deadline atomic.Int64
	late     atomic.Int64
	// ckpt signs checkpoints of the chain; nil: none (see SetCheckpoints).
	ckpt *checkpointer
}

type pending struct {
	ev  Event
	err chan error
}

const batchSize = 256

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("audit log closed")

// ErrDeadline is returned by Record when the event was not durable within
// the log's deadline. The event may still be written later; a decision it
// recorded must be treated as refused.
var ErrDeadline = errors.New("audit write missed its deadline")

// NewLog starts the writer. Close stops it.
func NewLog(store Appender, now func() time.Time) *Log {
	l := &Log{store: store, now: now, in: make(chan pending, batchSize), done: make(chan struct{})}
	l.wg.Add(1)
	go l.run()
	return l
}

// SetDeadline bounds how long Record waits for an event to be durable (0:
// no bound), so that a stuck disk refuses access instead of hanging every
// request. Call it before the log is in use.
func (l *Log) SetDeadline(d time.Duration) { l.deadline.Store(int64(d)) }

// Deadline returns how long Record waits at most; 0: no bound.
func (l *Log) Deadline() time.Duration { return time.Duration(l.deadline.Load()) }

// Late is how many Record calls missed the deadline since the log started.
func (l *Log) Late() int64 { return l.late.Load() }

// Record stores one event and waits until it is durable. Time is set to now
// when zero.
func (l *Log) Record(ctx context.Context, ev Event) error {
	return l.RecordAll(ctx, []Event{ev})
}

// RecordAll stores evs, in order, and waits until all are durable: they
// share the writer's batches, so n events cost about one durable write,
// not n. Times are set to now when zero. It returns ErrDeadline (wrapped)
// when the events were not durable within the deadline; those that name an
// intent reach the chain later all the same, through the writer or Recover.
func (l *Log) RecordAll(ctx context.Context, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	var expired <-chan time.Time
	deadline := l.Deadline()
	if deadline > 0 {
		t := time.NewTimer(deadline)
		defer t.Stop()
		expired = t.C
	}
	ps := make([]pending, len(evs))
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return ErrClosed
	}
	for i, ev := range evs {
		if ev.Time.IsZero() {
			ev.Time = l.now()
		}
		ev.Time = ev.Time.UTC()
		ps[i] = pending{ev: ev, err: make(chan error, 1)}
		select {
		case l.in <- ps[i]:
		case <-ctx.Done():
			l.mu.RUnlock()
			return fmt.Errorf("audit %s: %w", ev.Action, ctx.Err())
		case <-expired:
			l.mu.RUnlock()
			l.late.Add(1)
			return fmt.Errorf("audit %s: %w (%s)", ev.Action, ErrDeadline, deadline)
		}
	}
	l.mu.RUnlock()
	// Once queued an event is written even if ctx ends; wait for it so the
	// caller never acts on an unrecorded decision.
	var first error
	for _, p := range ps {
		select {
		case err := <-p.err:
			if first == nil {
				first = err
			}
		case <-expired:
			l.late.Add(1)
			return fmt.Errorf("audit %s: %w (%s)", p.ev.Action, ErrDeadline, deadline)
		}
	}
	return first
}

// Recover appends the staged events that a change committed but nobody
// appended (the process stopped in between, or a Record gave up at its
// deadline), oldest first, and returns how many it appended. Appending a
// staged event twice is harmless, so it may run while the log is in use.
func (l *Log) Recover(ctx context.Context) (int, error) {
	n := 0
	for {
		evs, err := l.store.Staged(ctx, batchSize)
		if err != nil || len(evs) == 0 {
			return n, err
		}
		if err := l.RecordAll(ctx, evs); err != nil {
			return n, err
		}
		n += len(evs)
		if len(evs) < batchSize {
			return n, nil
		}
	}
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
	if err == nil && len(stored) > 0 {
		l.stored(stored[len(stored)-1])
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
	l.closing()
}
