package ratelimit

import "time"

// Limiter counts failures per key and says how long a key must wait; a
// Throttle is one, kept in this process's memory, and a shared limiter
// (cluster.Throttle, on etcd) is another, counting the failures seen by
// every node together.
//
// A limiter that cannot tell (its store is unreachable) answers Wait with
// a wait above zero: sign-in fails closed.
type Limiter interface {
	// Wait returns how long the longest-blocked of keys must still wait,
	// or 0 when none is blocked. It records nothing.
	Wait(keys ...string) time.Duration
	// Fail records one failure under each key.
	Fail(keys ...string)
	// Forget clears a key after a success.
	Forget(key string)
}

// Reachability is what a shared limiter also implements: whether its
// last Wait could not reach its store (and so answered with a wait to
// fail closed), so that a caller can say so instead of blaming the user.
type Reachability interface {
	Unreachable() bool
}

// Unreachable reports whether l is a shared limiter whose store did not
// answer its last Wait.
func Unreachable(l Limiter) bool {
	r, ok := l.(Reachability)
	return ok && r.Unreachable()
}

// NewLimiter makes the limiter of one use: name tells the uses apart
// (a shared limiter keeps each under its own keys), n failures are allowed
// within window, and one more each window/n after that.
type NewLimiter func(name string, n int, window time.Duration) Limiter

// InMemory returns a NewLimiter of Throttles with clock now.
func InMemory(now func() time.Time) NewLimiter {
	return func(_ string, n int, window time.Duration) Limiter { return NewThrottle(n, window, now) }
}

var _ Limiter = (*Throttle)(nil)
