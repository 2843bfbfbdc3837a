// Package ratelimit bounds how often a key (an address, an address and a
// user) may fail, in fixed memory, so guessing passwords stays slow and a
// flood of failures from many addresses neither grows the server nor
// serialises the requests of others.
package ratelimit

import (
	"hash/maphash"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Throttle counts failures per key with a token bucket per key: a key may
// fail max times at once, and earns one more failure every window/max. A
// key with no failure left is refused until it earns one. The buckets live
// in a fixed number of least-recently-used slots, split over shards with a
// lock each, so memory is bounded and no call scans the keys; a key pushed
// out by newer ones starts again with a full bucket, which gives a client
// nothing it would not get from one more address. It is safe for
// concurrent use.
type Throttle struct {
	burst  int
	every  rate.Limit
	now    func() time.Time
	seed   maphash.Seed
	shards [throttleShards]*lru.Cache[string, *rate.Limiter]
}

// Sizes of the bucket table: DefaultKeys keys in throttleShards shards.
const (
	throttleShards = 16
	// DefaultKeys is how many keys a Throttle remembers: about 200 bytes
	// each, so a few MiB in all.
	DefaultKeys = 1 << 16
)

// NewThrottle returns a throttle allowing max failures per key within
// window (and one more each window/max after that), remembering DefaultKeys
// keys.
func NewThrottle(max int, window time.Duration, now func() time.Time) *Throttle {
	return NewThrottleSize(max, window, DefaultKeys, now)
}

// NewThrottleSize is NewThrottle allowing n failures, remembering at most
// keys keys.
func NewThrottleSize(n int, window time.Duration, keys int, now func() time.Time) *Throttle {
	n = max(n, 1)
	per := max(keys/throttleShards, 1)
	t := &Throttle{burst: n, every: rate.Limit(float64(n) / window.Seconds()), now: now, seed: maphash.MakeSeed()}
	for i := range t.shards {
		c, err := lru.New[string, *rate.Limiter](per)
		if err != nil {
			panic("ratelimit: " + err.Error()) // only for a size below 1
		}
		t.shards[i] = c
	}
	return t
}

func (t *Throttle) shard(key string) *lru.Cache[string, *rate.Limiter] {
	return t.shards[maphash.String(t.seed, key)%throttleShards]
}

// Wait returns how long the longest-blocked of keys must still wait, or 0
// when none is blocked. It records nothing.
func (t *Throttle) Wait(keys ...string) time.Duration {
	now := t.now()
	var longest time.Duration
	for _, k := range keys {
		l, ok := t.shard(k).Get(k)
		if !ok {
			continue
		}
		if tokens := l.TokensAt(now); tokens < 1 {
			longest = max(longest, time.Duration((1-tokens)/float64(t.every)*float64(time.Second))+1)
		}
	}
	return longest
}

// Fail records one failure under each key.
func (t *Throttle) Fail(keys ...string) {
	now := t.now()
	for _, k := range keys {
		sh := t.shard(k)
		l, ok := sh.Get(k)
		if !ok {
			l = rate.NewLimiter(t.every, t.burst)
			if prev, found, _ := sh.PeekOrAdd(k, l); found {
				l = prev
			}
		}
		l.AllowN(now, 1)
	}
}

// Forget clears a key after a success.
func (t *Throttle) Forget(key string) {
	t.shard(key).Remove(key)
}

// Len is how many keys the throttle remembers now.
func (t *Throttle) Len() int {
	n := 0
	for _, s := range t.shards {
		n += s.Len()
	}
	return n
}
