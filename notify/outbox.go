package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
)

// OutboxOptions configure an Outbox. Zero fields take the defaults shown.
type OutboxOptions struct {
	Receivers []WebhookConfig
	// PublicURL is where the links in a payload point.
	PublicURL string
	// Client sends the deliveries (NewClient(ClientOptions{})).
	Client *http.Client
	Log    *slog.Logger
	// Now is the clock (time.Now); After waits on it (time.After). A test
	// clock passes both.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// MinBackoff and MaxBackoff bound the wait between two attempts at one
	// event, doubling from the first to the second (1s, 10m).
	MinBackoff, MaxBackoff time.Duration
	// Poll is how often an idle worker looks at the trail without being
	// woken (5s).
	Poll time.Duration
}

// Outbox delivers the audit trail to webhook receivers: a worker per
// receiver reads the events after the receiver's stored cursor, sends
// those it wants in order, at least once, retrying one event with
// exponential backoff until it is older than the receiver's MaxAge, and
// moves the cursor on in batches. A change never waits for it: the trail
// is written anyway, and Wake only signals.
type Outbox struct {
	store storage.Store
	o     OutboxOptions
	// workers is the receivers' workers, read without a lock on every
	// event; SetReceivers replaces it under mu (reconfigure.go).
	workers atomic.Pointer[[]*worker]
	mu      sync.Mutex
	// runCtx is Run's context once it runs: SetReceivers starts the
	// workers of new receivers under it.
	runCtx context.Context
	// failures counts failed attempts since start, over all receivers.
	failures atomic.Int64
}

type worker struct {
	ob   *Outbox
	h    WebhookConfig
	wake chan struct{}
	// pending are delivered records and the cursor after them not stored
	// yet: progress is stored at most every saveEvery (or per full batch),
	// so a worker keeping up with a trickle of changes does not add a
	// durable write per change. A crash loses at most that much progress,
	// which is sent again (receivers drop repeats by id).
	pending    []storage.Delivery
	pendingTo  uint64
	hasPending bool
	lastSave   time.Time
	// failures counts this receiver's failed attempts since start.
	failures atomic.Int64
	// stop ends the worker's run and done closes when it has; both nil
	// until it runs.
	stop context.CancelFunc
	done chan struct{}
}

// Batching: a worker reads at most readAhead events of the trail per step
// and sends at most batchSize of them before it stores its progress (one
// durable write per batch, not per event).
const (
	readAhead = 4096
	batchSize = 512
	// keepRecords is how many sequence numbers of the trail the delivery
	// records of a receiver reach back; older ones are pruned.
	keepRecords = 100_000
	// maxResponse bounds what is read of a receiver's answer.
	maxResponse = 64 << 10
	// saveEvery is how often a worker stores its progress at most, unless
	// a batch fills or a delivery fails.
	saveEvery = time.Second
	// coalesce is how long a woken worker waits for more events.
	coalesce = 10 * time.Millisecond
	// stopGrace lets the delivery under way at a stop finish.
	stopGrace = 3 * time.Second
)

// NewOutbox returns an outbox over the store's audit trail and deliveries.
// Call Start before the server records anything, then Run.
func NewOutbox(store storage.Store, o OutboxOptions) *Outbox {
	if o.Client == nil {
		o.Client = NewClient(ClientOptions{})
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	ob := &Outbox{store: store, o: o}
	var ws []*worker
	for _, h := range o.Receivers {
		ws = append(ws, ob.newWorker(h))
	}
	ob.workers.Store(&ws)
	return ob
}

func (ob *Outbox) newWorker(h WebhookConfig) *worker {
	if h.MaxAge <= 0 {
		h.MaxAge = DefaultMaxAge
	}
	return &worker{ob: ob, h: h, wake: make(chan struct{}, 1)}
}

// current returns the workers of the receivers configured now.
func (ob *Outbox) current() []*worker { return *ob.workers.Load() }

// Start gives each receiver new to this store a cursor at the end of the
// trail, so a new receiver hears what happens from now on rather than
// the whole history. It must run before anything new is recorded.
func (ob *Outbox) Start(ctx context.Context) error {
	return ob.startCursors(ctx, ob.current())
}

// startCursors gives each of ws without a stored cursor one at the end
// of the trail.
func (ob *Outbox) startCursors(ctx context.Context, ws []*worker) error {
	head, err := head(ctx, ob.store)
	if err != nil {
		return err
	}
	return ob.store.Update(ctx, func(tx storage.Tx) error {
		for _, w := range ws {
			if _, ok, err := tx.Deliveries().Cursor(w.h.Name); err != nil {
				return err
			} else if !ok {
				if err := tx.Deliveries().SetCursor(w.h.Name, head); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// head returns the sequence number of the newest event, 0 for none.
func head(ctx context.Context, store storage.Store) (uint64, error) {
	var seq uint64
	err := store.Events().Scan(ctx, 0, true, func(e audit.Event) bool { seq = e.Seq; return false })
	if err != nil {
		return 0, fmt.Errorf("webhooks: read the trail: %w", err)
	}
	return seq, nil
}

// Wake tells the workers that e is in the trail. It never blocks; pass it
// to audit.Log.Watch.
func (ob *Outbox) Wake(e audit.Event) {
	for _, w := range ob.current() {
		if wants(w.h, e) {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
}

// Receivers returns the names of the configured receivers.
func (ob *Outbox) Receivers() []string {
	ws := ob.current()
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.h.Name
	}
	return names
}

// Run delivers until ctx ends, one worker per receiver (also those
// SetReceivers adds meanwhile), and returns when all have stopped. What
// is not delivered by then stays behind the cursors and goes at the next
// start. Run may be called again after it returned (on a cluster it runs
// while this node leads the deliveries); each run starts from the stored
// cursors.
func (ob *Outbox) Run(ctx context.Context) {
	ob.mu.Lock()
	ob.runCtx = ctx
	for _, w := range ob.current() {
		ob.start(w)
	}
	ob.mu.Unlock()
	<-ctx.Done()
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for _, w := range ob.current() {
		<-w.done
	}
}

// start runs w until Run's context ends or w.stop is called. The caller
// holds ob.mu.
func (ob *Outbox) start(w *worker) {
	ctx, stop := context.WithCancel(ob.runCtx)
	w.stop, w.done = stop, make(chan struct{})
	go func() {
		defer close(w.done)
		defer stop()
		w.run(ctx)
	}()
}

func (w *worker) run(ctx context.Context) {
	// Progress a run before this one could not store is not trusted: on a
	// cluster another node may have delivered and moved the cursor since,
	// so this run starts from the stored cursor (a repeat at worst).
	w.pending, w.pendingTo, w.hasPending = nil, 0, false
	for ctx.Err() == nil {
		moved, err := w.step(ctx)
		if err != nil && ctx.Err() == nil {
			w.ob.o.Log.Warn("webhook: outbox", "receiver", w.h.Name, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(w.ob.o.Poll):
			}
			continue
		}
		if moved {
			continue
		}
		wait := w.ob.o.Poll
		if w.hasPending {
			wait = saveEvery
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-w.wake:
			// Let a burst of changes land first: one read of the trail and
			// one write of the cursor then serve all of it.
			t.Reset(coalesce)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		case <-t.C:
		}
		t.Stop()
		if w.hasPending && time.Since(w.lastSave) >= saveEvery {
			if err := w.flush(ctx); err != nil {
				w.ob.o.Log.Warn("webhook: outbox", "receiver", w.h.Name, "err", err)
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		w.ob.o.Log.Warn("webhook: outbox: progress not stored at stop; it is sent again at the next start", "receiver", w.h.Name, "err", err)
	}
}

// flush stores the pending progress.
func (w *worker) flush(ctx context.Context) error {
	if !w.hasPending {
		return nil
	}
	if err := w.save(ctx, w.pending, w.pendingTo); err != nil {
		return err
	}
	w.pending, w.hasPending, w.lastSave = nil, false, time.Now()
	return nil
}

// step sends the redeliveries asked for, then the next batch behind the
// cursor, and reports whether it did anything.
func (w *worker) step(ctx context.Context) (bool, error) {
	moved, err := w.redeliver(ctx)
	if err != nil {
		return moved, err
	}
	cursor := w.pendingTo
	if !w.hasPending {
		if err := w.ob.store.View(ctx, func(tx storage.Tx) error {
			var err error
			cursor, _, err = tx.Deliveries().Cursor(w.h.Name)
			return err
		}); err != nil {
			return moved, err
		}
	}
	var batch []audit.Event
	last, read := cursor, 0
	err = w.ob.store.Events().Scan(ctx, cursor, false, func(e audit.Event) bool {
		last, read = e.Seq, read+1
		if wants(w.h, e) {
			batch = append(batch, e)
		}
		return len(batch) < batchSize && read < readAhead
	})
	if err != nil {
		return moved, fmt.Errorf("read the trail after %d: %w", cursor, err)
	}
	if last == cursor {
		return moved, nil
	}
	done := w.pending
	w.pending, w.hasPending = nil, false
	for i, e := range batch {
		var prior storage.Delivery
		if i == 0 && len(done) == 0 {
			// The first event may be one a stopped server was retrying.
			prior, _ = w.record(ctx, e.Seq)
		}
		d, ok := w.send(ctx, e, prior, done)
		if !ok {
			return true, nil // stopped; the progress is stored
		}
		done = append(done, d)
	}
	w.pending, w.pendingTo, w.hasPending = done, last, true
	if len(done) >= batchSize || time.Since(w.lastSave) >= saveEvery {
		return true, w.flush(ctx)
	}
	return true, nil
}

// record returns the stored delivery of event seq, if any.
func (w *worker) record(ctx context.Context, seq uint64) (storage.Delivery, bool) {
	var d storage.Delivery
	err := w.ob.store.View(ctx, func(tx storage.Tx) error {
		var err error
		d, err = tx.Deliveries().Get(w.h.Name, seq)
		return err
	})
	return d, err == nil
}

// save stores the records of a batch and moves the cursor to seq.
func (w *worker) save(ctx context.Context, done []storage.Delivery, seq uint64) error {
	// The stop of ctx must not lose a batch the receiver has already got.
	ctx = context.WithoutCancel(ctx)
	err := w.ob.store.Update(ctx, func(tx storage.Tx) error {
		for _, d := range done {
			if err := tx.Deliveries().Put(d); err != nil {
				return err
			}
		}
		if err := tx.Deliveries().SetCursor(w.h.Name, seq); err != nil {
			return err
		}
		if seq > keepRecords {
			_, err := tx.Deliveries().Prune(w.h.Name, seq-keepRecords, 256)
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store deliveries up to %d: %w", seq, err)
	}
	return nil
}

// send delivers e, retrying with backoff, and returns its record. ok is
// false when ctx ended first: then what was delivered before it (done)
// and e's own record are stored, with the cursor just before e. A failed
// attempt stores the same, so a crash in a retry loses nothing.
func (w *worker) send(ctx context.Context, e audit.Event, d storage.Delivery, done []storage.Delivery) (storage.Delivery, bool) {
	now := w.ob.o.Now
	if d.Receiver == "" || d.Status == storage.DeliveryDelivered {
		d = storage.Delivery{Receiver: w.h.Name, Seq: e.Seq, Action: e.Action, Attempts: d.Attempts, First: now().UTC()}
	}
	for {
		d.Attempts++
		d.Last = now().UTC()
		code, err := w.post(ctx, e)
		d.Code = code
		if err == nil {
			d.Status, d.Delivered, d.Error = storage.DeliveryDelivered, d.Last, ""
			return d, true
		}
		w.failures.Add(1)
		w.ob.failures.Add(1)
		d.Error = err.Error()
		if now().Sub(e.Time) >= w.h.MaxAge {
			d.Status = storage.DeliveryFailed
			w.ob.o.Log.Warn("webhook: given up", "receiver", w.h.Name, "seq", e.Seq, "action", e.Action, "attempts", d.Attempts, "err", err)
			return d, true
		}
		d.Status = storage.DeliveryRetrying
		if err := w.save(ctx, append(done, d), e.Seq-1); err != nil {
			w.ob.o.Log.Warn("webhook: outbox", "receiver", w.h.Name, "err", err)
		}
		done = nil
		wait := w.ob.o.MinBackoff << min(d.Attempts-1, 30)
		if wait > w.ob.o.MaxBackoff || wait <= 0 {
			wait = w.ob.o.MaxBackoff
		}
		select {
		case <-ctx.Done():
			return d, false
		case <-w.ob.o.After(wait):
		}
	}
}

// redeliver sends once each delivery an administrator asked for again.
func (w *worker) redeliver(ctx context.Context) (bool, error) {
	var asked []storage.Delivery
	if err := w.ob.store.View(ctx, func(tx storage.Tx) error {
		var err error
		asked, err = tx.Deliveries().List(w.h.Name, storage.DeliveryRedeliver, 16)
		return err
	}); err != nil || len(asked) == 0 {
		return false, err
	}
	for _, d := range asked {
		var ev audit.Event
		if err := w.ob.store.Events().Scan(ctx, d.Seq-1, false, func(e audit.Event) bool { ev = e; return false }); err != nil {
			return true, err
		}
		if ev.Seq != d.Seq {
			d.Status, d.Error = storage.DeliveryFailed, "the event is no longer in the trail"
		} else {
			d.Attempts++
			d.Last = w.ob.o.Now().UTC()
			code, err := w.post(ctx, ev)
			d.Code = code
			if err != nil {
				w.failures.Add(1)
				w.ob.failures.Add(1)
				d.Status, d.Error = storage.DeliveryFailed, err.Error()
			} else {
				d.Status, d.Delivered, d.Error = storage.DeliveryDelivered, d.Last, ""
			}
		}
		if err := w.ob.store.Update(context.WithoutCancel(ctx), func(tx storage.Tx) error { return tx.Deliveries().Put(d) }); err != nil {
			return true, err
		}
	}
	return true, nil
}

// post sends one event and returns the receiver's status code.
func (w *worker) post(ctx context.Context, e audit.Event) (int, error) {
	body, err := json.Marshal(newPayload(e, w.ob.o.PublicURL))
	if err != nil {
		return 0, fmt.Errorf("encode: %w", err)
	}
	// A stop lets the delivery under way finish, briefly.
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(stopGrace, cancel) })()
	req, err := http.NewRequestWithContext(pctx, http.MethodPost, w.h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "jitgit-webhook")
	req.Header.Set("X-Jitgit-Event", e.Action)
	req.Header.Set("X-Jitgit-Delivery", fmt.Sprintf("%s:%d", w.h.Name, e.Seq))
	if w.h.Secret != "" {
		req.Header.Set(SignatureHeader, Sign(w.h.Secret, w.ob.o.Now(), body))
	}
	resp, err := w.ob.o.Client.Do(req)
	if err != nil {
		// A *url.Error quotes the whole URL, whose path or query is often
		// the receiver's credential.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	switch {
	case resp.StatusCode/100 == 2:
		return resp.StatusCode, nil
	case resp.StatusCode/100 == 3:
		return resp.StatusCode, fmt.Errorf("%w (%s)", ErrRedirect, resp.Status)
	}
	return resp.StatusCode, fmt.Errorf("receiver answered %s", resp.Status)
}
