package web

import (
	"sync"
	"time"
)

// throttle counts failed sign-ins per key (a client address, a user name)
// and refuses a key that failed max times within window, until the oldest
// of those failures leaves the window.
type throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

// maxThrottleKeys bounds the memory a flood of distinct keys can take; past
// it, keys whose failures all left the window are dropped.
const maxThrottleKeys = 100000

func newThrottle(max int, window time.Duration, now func() time.Time) *throttle {
	return &throttle{max: max, window: window, now: now, fails: make(map[string][]time.Time)}
}

// wait returns how long the longest-blocked of keys must still wait, or 0
// when none is blocked.
func (t *throttle) wait(keys ...string) time.Duration {
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

// fail records one failure under each key.
func (t *throttle) fail(keys ...string) {
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

// forget clears a key after a success.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}

// recent returns the failures of key still inside the window, dropping the
// rest. Called with mu held.
func (t *throttle) recent(key string, now time.Time) []time.Time {
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
