package audit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// Recorder writes one event; *Log is one.
type Recorder interface {
	Record(ctx context.Context, ev Event) error
}

// Folder records refusals (denies a flood can repeat: wrong passwords,
// refused commands) so that a flood cannot fill the disk: the first of
// identical events from one address in a window is recorded at once, the
// ones after it only counted, and one event with the count is recorded when
// the window ends. Events are identical when all but their time and the
// port of their address agree. At most maxPerWindow events are recorded
// at once per window, whatever the number of addresses; the rest are
// counted into one summary per action. Memory is bounded by maxKeys. It is
// safe for concurrent use.
type Folder struct {
	rec          Recorder
	window       time.Duration
	now          func() time.Time
	maxPerWindow int
	maxKeys      int

	mu      sync.Mutex
	start   time.Time // of the current window
	written int       // events recorded at once in the current window
	folds   map[string]*fold
}

// fold is one kind of event seen in the current window.
type fold struct {
	ev    Event // the first, as recorded
	extra int   // how many more were only counted
	addrs map[string]struct{}
	// overflow marks the per-action summary of events beyond maxPerWindow.
	overflow bool
}

// Folder defaults.
const (
	DefaultFoldWindow       = time.Minute
	DefaultFoldMaxPerWindow = 1000
	defaultFoldKeys         = 10000
	// maxOverflowAddrs bounds the addresses an overflow summary counts.
	maxOverflowAddrs = 100000
)

// NewFolder returns a folder writing to rec with windows of window (zero:
// DefaultFoldWindow) and at most maxPerWindow events recorded at once per
// window (zero: DefaultFoldMaxPerWindow).
func NewFolder(rec Recorder, window time.Duration, maxPerWindow int, now func() time.Time) *Folder {
	if window <= 0 {
		window = DefaultFoldWindow
	}
	if maxPerWindow <= 0 {
		maxPerWindow = DefaultFoldMaxPerWindow
	}
	return &Folder{rec: rec, window: window, now: now, maxPerWindow: maxPerWindow, maxKeys: max(defaultFoldKeys, maxPerWindow),
		start: now(), folds: make(map[string]*fold)}
}

// Record records ev now, or counts it when an identical event was recorded
// in this window (or too many were).
func (f *Folder) Record(ctx context.Context, ev Event) error {
	key := foldKey(ev)
	f.mu.Lock()
	summaries := f.turn()
	fo, seen := f.folds[key]
	switch {
	case seen:
		fo.extra++
		ev = Event{}
	case f.written >= f.maxPerWindow || len(f.folds) >= f.maxKeys:
		okey := "overflow\x00" + ev.Action + "\x00" + ev.Result
		o, ok := f.folds[okey]
		if !ok {
			o = &fold{ev: Event{Actor: "system", Action: ev.Action, Result: ev.Result, Transport: ev.Transport}, overflow: true, addrs: map[string]struct{}{}}
			f.folds[okey] = o
		}
		o.extra++
		if len(o.addrs) < maxOverflowAddrs {
			o.addrs[host(ev.Remote)] = struct{}{}
		}
		ev = Event{}
	default:
		f.folds[key] = &fold{ev: ev}
		f.written++
	}
	f.mu.Unlock()
	err := f.write(ctx, summaries)
	if ev.Action != "" {
		err = errors.Join(err, f.rec.Record(ctx, ev))
	}
	return err
}

// Flush records the summaries of a window that has ended.
func (f *Folder) Flush(ctx context.Context) error {
	f.mu.Lock()
	summaries := f.turn()
	f.mu.Unlock()
	return f.write(ctx, summaries)
}

// Run flushes every window until ctx ends, then records what was counted in
// the window left open.
func (f *Folder) Run(ctx context.Context) {
	t := time.NewTicker(f.window)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			f.mu.Lock()
			summaries := f.take()
			f.mu.Unlock()
			_ = f.write(context.WithoutCancel(ctx), summaries)
			return
		case <-t.C:
			_ = f.Flush(ctx)
		}
	}
}

// turn starts a new window when the current one has ended and returns the
// summaries of the old one. Called with mu held.
func (f *Folder) turn() []Event {
	now := f.now()
	if now.Sub(f.start) < f.window {
		return nil
	}
	out := f.take()
	f.start = now
	return out
}

// take returns the summaries of the current window and empties it. Called
// with mu held.
func (f *Folder) take() []Event {
	var out []Event
	for _, fo := range f.folds {
		if fo.extra == 0 {
			continue
		}
		ev := fo.ev
		ev.Seq, ev.Time, ev.Prev, ev.Hash, ev.HashVersion = 0, time.Time{}, "", "", 0
		if fo.overflow {
			ev.Detail = fmt.Sprintf("%d more like this from %d addresses in %s, beyond the %d recorded one by one", fo.extra, len(fo.addrs), f.window, f.maxPerWindow)
		} else {
			ev.Detail = fmt.Sprintf("%s (%d more like this from this address in %s)", ev.Detail, fo.extra, f.window)
		}
		out = append(out, ev)
	}
	clear(f.folds)
	f.written = 0
	return out
}

func (f *Folder) write(ctx context.Context, evs []Event) error {
	var errs []error
	for _, ev := range evs {
		if err := f.rec.Record(ctx, ev); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// foldKey is what makes two events identical: everything but the time and
// the client's port.
func foldKey(ev Event) string {
	// Each field with its length before it, so that no two events'
	// fields run together into one key; no quoting, which a flood of
	// refusals would pay for on every failure.
	fields := [...]string{ev.Actor, host(ev.Remote), ev.Transport, ev.Action, ev.Repo, ev.Target, ev.Result, ev.Grant, ev.Policy, ev.Detail}
	n := 0
	for _, f := range fields {
		n += len(f) + 4
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return string(b)
}

func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
