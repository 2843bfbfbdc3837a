// Package ratelimit bounds how often a key (a user, an address) may fail,
// in a bounded map, so guessing passwords stays slow.
package ratelimit

import (
	"sync"
	"time"
)

// Throttle counts failed sign-ins per key (a client address, a user name)
// and refuses a key that failed max times within window, until the oldest
// of those failures leaves the window. It is safe for concurrent use.
type Throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// maxThrottleKeys bounds the memory a flood of distinct keys can take; past
// it, keys whose failures all left the window are dropped.
const maxThrottleKeys = 100000

// NewThrottle returns a throttle allowing max failures per key within window.
func NewThrottle(max int, window time.Duration, now func() time.Time) *Throttle {
	return &Throttle{max: max, window: window, now: now, fails: make(map[string][]time.Time)}
}

// Wait returns how long the longest-blocked of keys must still wait, or 0
// when none is blocked.
func (t *Throttle) Wait(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var longest time.Duration
	for _, k := range keys {
		fs := t.recent(k, now)
		if len(fs) >= t.max {
			longest = max(longest, fs[len(fs)-t.max].Add(t.window).Sub(now))
		}
	}
	return longest
}

// Fail records one failure under each key.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fails) >= maxThrottleKeys {
		for k := range t.fails {
			t.recent(k, now)
		}
	}
	for _, k := range keys {
		fs := append(t.recent(k, now), now)
		if len(fs) > t.max {
			fs = fs[len(fs)-t.max:]
		}
		t.fails[k] = fs
	}
}

// Forget clears a key after a success.
func (t *Throttle) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// recent returns the failures of key still inside the window, dropping the
// rest. Called with mu held.
func (t *Throttle) recent(key string, now time.Time) []time.Time {
	fs := t.fails[key]
	i := 0
	for i < len(fs) && !fs[i].Add(t.window).After(now) {
		i++
	}
	if i == len(fs) {
		delete(t.fails, key)
		return nil
	}
	fs = fs[i:]
	t.fails[key] = fs
	return fs
}
