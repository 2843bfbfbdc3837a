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
	for i := range 5 {
		th.Fail("addr:10.0.0."+strconv.Itoa(i), "user:alice")
	}
	if th.Wait("addr:10.0.0.9", "user:alice") <= 0 {
		t.Fatal("a name failing from many addresses is not throttled")
	}
	if th.Wait("addr:10.0.0.9", "user:bob") != 0 {
		t.Fatal("an unrelated name and address are throttled")
	}
	th.Forget("user:alice")
	if th.Wait("user:alice") != 0 {
		t.Fatal("Forget did not clear the key")
	}
	for range 5 {
		th.Fail("user:carol")
	}
	now = now.Add(5 * time.Minute)
	if th.Wait("user:carol") != 0 {
		t.Fatal("throttle outlasts its window")
	}
}
