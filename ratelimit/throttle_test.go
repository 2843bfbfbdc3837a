package ratelimit_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/jitgit/jitgit/ratelimit"
)

func TestThrottle(t *testing.T) {
	now := time.Unix(0, 0)
	th := ratelimit.NewThrottle(5, 5*time.Minute, func() time.Time { return now })
	for range 5 {
		th.Fail("addr:10.0.0.1", "addr:10.0.0.1 user:alice")
	}
	if th.Wait("addr:10.0.0.9", "addr:10.0.0.1 user:alice") <= 0 {
		t.Fatal("a key that failed five times is not throttled")
	}
	if th.Wait("addr:10.0.0.9", "addr:10.0.0.9 user:alice") != 0 {
		t.Fatal("an unrelated key is throttled")
	}
	th.Forget("addr:10.0.0.1 user:alice")
	if th.Wait("addr:10.0.0.1 user:alice") != 0 {
		t.Fatal("Forget did not clear the key")
	}
	// One failure is earned back every window/max.
	if w := th.Wait("addr:10.0.0.1"); w <= 0 || w > time.Minute+time.Second {
		t.Fatalf("wait after five failures: %s", w)
	}
	now = now.Add(time.Minute)
	if th.Wait("addr:10.0.0.1") != 0 {
		t.Fatal("no failure earned back after window/max")
	}
	th.Fail("addr:10.0.0.1")
	if th.Wait("addr:10.0.0.1") <= 0 {
		t.Fatal("the earned failure did not refill the whole bucket")
	}
	now = now.Add(5 * time.Minute)
	if th.Wait("addr:10.0.0.1") != 0 {
		t.Fatal("throttle outlasts its window")
	}
}

// TestThrottleBounded floods the throttle with more distinct keys than it
// holds: it keeps a fixed number, and the keys failing now are still
// throttled.
func TestThrottleBounded(t *testing.T) {
	now := time.Unix(0, 0)
	th := ratelimit.NewThrottle(3, time.Minute, func() time.Time { return now })
	for i := range 4 * ratelimit.DefaultKeys {
		th.Fail("addr:" + strconv.Itoa(i))
	}
	if n := th.Len(); n > ratelimit.DefaultKeys {
		t.Fatalf("throttle holds %d keys, more than its %d", n, ratelimit.DefaultKeys)
	}
	for range 3 {
		th.Fail("addr:guesser")
	}
	if th.Wait("addr:guesser") <= 0 {
		t.Fatal("a fresh key is not throttled after the flood")
	}
}

// BenchmarkFailManyKeys is one failure once the throttle is full: it must
// not grow with the keys seen.
func BenchmarkFailManyKeys(b *testing.B) {
	th := ratelimit.NewThrottle(30, 5*time.Minute, time.Now)
	for i := range 2 * ratelimit.DefaultKeys {
		th.Fail("addr:" + strconv.Itoa(i))
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		th.Fail("addr:new" + strconv.Itoa(i))
		i++
	}
}
