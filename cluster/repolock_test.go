package cluster_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

func TestRepoLockSerialisesTwoClients(t *testing.T) {
	c := etcdtest.Start(t, 1)
	locks := []*cluster.RepoLocks{cluster.NewRepoLocks(c.Client(t), "jg", testOpts), cluster.NewRepoLocks(c.Client(t), "jg", testOpts)}
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				unlock, err := locks[i%2].LockRepo(ctx, "acme/app")
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(5 * time.Millisecond) // hold it while the others try
				inside.Add(-1)
				unlock()
			}
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d holders at once, want 1", most.Load())
	}
	// Another repository's lock is not this one's.
	u1, err := locks[0].LockRepo(ctx, "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	defer u1()
	short, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShort()
	u2, err := locks[1].LockRepo(short, "acme/app2")
	if err != nil {
		t.Fatalf("a lock of another repository waited: %v", err)
	}
	u2()
}

func TestRepoLockReleasedWhenClientDies(t *testing.T) {
	c := etcdtest.Start(t, 1)
	dying, cut := dyingClient(t, c)
	held := cluster.NewRepoLocks(dying, "jg", testOpts)
	other := cluster.NewRepoLocks(c.Client(t), "jg", testOpts)
	ctx := context.Background()
	if _, err := held.LockRepo(ctx, "acme/app"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := other.LockRepo(short, "acme/app"); err == nil {
		t.Fatal("a second holder got the lock while the first held it")
	}
	cut() // the node dies holding the lock
	start := time.Now()
	wait, cancel2 := context.WithTimeout(ctx, 5*testTTL)
	defer cancel2()
	unlock, err := other.LockRepo(wait, "acme/app")
	if err != nil {
		t.Fatalf("lock of a dead node not released within %s: %v", 5*testTTL, err)
	}
	unlock()
	t.Logf("lock released %s after its holder was cut off (TTL %s)", time.Since(start), testTTL)
}
