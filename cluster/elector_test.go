package cluster_test

import (
	"context"
	"slices"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

func TestOneLeaderPerJobAmongThree(t *testing.T) {
	c := etcdtest.Start(t, 1)
	l := newLeaders()
	electors(t, c, l, "a", "b", "c")
	eventually(t, 10*time.Second, "a leader", func() bool { return len(l.who()) == 1 })
	// It stays one: the others wait, for several lease refreshes.
	deadline := time.Now().Add(3 * testTTL)
	for time.Now().Before(deadline) {
		if w := l.who(); len(w) > 1 {
			t.Fatalf("running on %v, want one node", w)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := l.mostAtOnce(); n != 1 {
		t.Fatalf("%d jobs ran at once, want 1", n)
	}
	el := cluster.NewElections(c.Client(t), "jg", "x", testOpts)
	eventually(t, 5*testTTL, "Leader to name the node running the job", func() bool {
		got, err := el.Leader(context.Background(), "sweeper")
		w := l.who()
		return err == nil && len(w) == 1 && got == w[0]
	})
}

func TestLeaderKilledAnotherTakesOver(t *testing.T) {
	c := etcdtest.Start(t, 1)
	l := newLeaders()
	clients := electors(t, c, l, "a", "b", "c")
	eventually(t, 10*time.Second, "a leader", func() bool { return len(l.who()) == 1 })
	first := l.who()[0]
	// Killed: cut off etcd with no goodbye; its lease lapses on its own.
	clients[first]()
	start := time.Now()
	lost := eventually(t, 5*testTTL, "the cut-off leader to stop its job", func() bool { return l.endedOn(first) >= 1 && !slices.Contains(l.who(), first) })
	took := eventually(t, 5*testTTL, "another leader", func() bool {
		w := l.who()
		return len(w) == 1 && w[0] != first
	})
	t.Logf("after the leader was cut off: its job stopped in %s, another node led in %s (lease TTL %s)", lost, time.Since(start), testTTL)
	_ = took
	if n := l.mostAtOnce(); n != 1 {
		t.Fatalf("%d jobs ran at once during the takeover, want 1", n)
	}
	if slices.Contains(l.who(), first) {
		t.Fatal("the cut-off node runs the job again")
	}
}

func TestJobContextCancelledOnLostLeadership(t *testing.T) {
	c := etcdtest.Start(t, 1)
	l := newLeaders()
	electors(t, c, l, "a", "b")
	eventually(t, 10*time.Second, "a leader", func() bool { return len(l.who()) == 1 })
	first := l.who()[0]
	admin := c.Client(t)
	ctx := context.Background()
	r, err := admin.Get(ctx, "jg/jobs/sweeper/", clientv3.WithFirstCreate()...)
	if err != nil || len(r.Kvs) != 1 {
		t.Fatalf("leader key: %v %v", r, err)
	}
	// etcd takes the lease away (as after a partition longer than the TTL).
	if _, err := admin.Revoke(ctx, clientv3.LeaseID(r.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}
	// The node hears of it from a watch at once, not at its next
	// keep-alive: well within the lease.
	took := eventually(t, testTTL/2, "the job of the node that lost the lead to end", func() bool { return l.endedOn(first) >= 1 })
	t.Logf("job ended %s after its lease was revoked", took)
	eventually(t, 5*testTTL, "one leader again", func() bool { return len(l.who()) == 1 })
}

func TestLeadAgainAfterRegaining(t *testing.T) {
	c := etcdtest.Start(t, 1)
	l := newLeaders()
	clients := electors(t, c, l, "a")
	eventually(t, 10*time.Second, "a leads", func() bool { return len(l.who()) == 1 })
	admin := c.Client(t)
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		r, err := admin.Get(ctx, "jg/jobs/sweeper/", clientv3.WithFirstCreate()...)
		if err != nil || len(r.Kvs) != 1 {
			t.Fatalf("leader key: %v %v", r, err)
		}
		admin.Revoke(ctx, clientv3.LeaseID(r.Kvs[0].Lease))
		eventually(t, 5*testTTL, "the job to end", func() bool { return l.endedOn("a") >= i })
		eventually(t, 10*time.Second, "a to lead again", func() bool { return len(l.who()) == 1 })
	}
	_ = clients
}
