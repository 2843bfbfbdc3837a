package cluster_test

import (
	"testing"
	"time"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

func TestThrottleCountsFailuresOfTwoClientsTogether(t *testing.T) {
	c := etcdtest.Start(t, 1)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := cluster.NewThrottles(c.Client(t), "jg", clock, testOpts)("signin", 4, 5*time.Minute)
	b := cluster.NewThrottles(c.Client(t), "jg", clock, testOpts)("signin", 4, 5*time.Minute)
	for i := range 4 {
		if w := a.Wait("addr:192.0.2.1"); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		// Two nodes, two failures each: the budget of one.
		if i%2 == 0 {
			a.Fail("addr:192.0.2.1")
		} else {
			b.Fail("addr:192.0.2.1")
		}
	}
	if w := b.Wait("addr:192.0.2.1"); w <= 0 {
		t.Fatal("four failures over two nodes did not block the fifth attempt")
	}
	if w := a.Wait("addr:192.0.2.2"); w != 0 {
		t.Fatalf("another key blocked: %s", w)
	}
	other := cluster.NewThrottles(c.Client(t), "jg", clock, testOpts)("api", 4, 5*time.Minute)
	if w := other.Wait("addr:192.0.2.1"); w != 0 {
		t.Fatal("a throttle of another name shares the keys")
	}
	// A failure is earned back after window/n.
	now = now.Add(75*time.Second + time.Millisecond)
	if w := a.Wait("addr:192.0.2.1"); w != 0 {
		t.Fatalf("still blocked after a failure was earned back: %s", w)
	}
	a.Fail("addr:192.0.2.1")
	b.Forget("addr:192.0.2.1")
	if w := a.Wait("addr:192.0.2.1"); w != 0 {
		t.Fatalf("blocked after Forget: %s", w)
	}
}

func TestThrottleFailsClosedWithoutEtcd(t *testing.T) {
	c := etcdtest.Start(t, 1)
	th := cluster.NewThrottles(c.Client(t), "jg", time.Now, testOpts)("signin", 5, 5*time.Minute)
	if w := th.Wait("addr:192.0.2.1"); w != 0 {
		t.Fatalf("blocked with etcd up: %s", w)
	}
	c.Stop(0)
	if w := th.Wait("addr:192.0.2.1"); w != cluster.FailClosedWait {
		t.Fatalf("Wait without etcd = %s, want %s (fail closed)", w, cluster.FailClosedWait)
	}
}
