package server

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

// TestPushLockHeldFromReCheckUntilReceivePackExits: two nodes' pushes to
// one repository; the second's re-check waits until the first's
// receive-pack has exited (its end), and a push whose receive-pack exits
// while it waits takes nothing.
func TestPushLockHeldFromReCheckUntilReceivePackExits(t *testing.T) {
	c := etcdtest.Start(t, 1)
	opts := cluster.Options{TTL: time.Second}
	nodeA, nodeB := NewPushes("a.sock"), NewPushes("b.sock")
	nodeA.LockWith(cluster.NewRepoLocks(c.Client(t), "jg", opts))
	nodeB.LockWith(cluster.NewRepoLocks(c.Client(t), "jg", opts))
	who := auth.Identity{User: "alice"}
	idOf := func(env []string) string { return env[0][len(EnvPushID)+1:] }
	envA, _, endA, err := nodeA.Begin(who, "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	envB, _, endB, err := nodeB.Begin(who, "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	defer endB()
	ctx := context.Background()
	if err := nodeA.lock(ctx, idOf(envA), "acme/app"); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- nodeB.lock(ctx, idOf(envB), "acme/app") }()
	select {
	case err := <-got:
		t.Fatalf("node B re-checked while node A's push was landing (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	endA() // A's receive-pack exits
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("node B did not get the lock after node A's push ended")
	}
	// A push whose receive-pack is gone (client killed) before it gets the
	// lock leaves no lock behind.
	envC, _, endC, err := nodeA.Begin(who, "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan error, 1)
	go func() { waiting <- nodeA.lock(ctx, idOf(envC), "acme/app") }()
	endC()
	endB() // B lands; C's waiting lock is taken and dropped
	if err := <-waiting; err == nil {
		t.Fatal("a push that ended while waiting got the lock")
	}
	envD, _, endD, _ := nodeB.Begin(who, "acme/app")
	defer endD()
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := nodeB.lock(short, idOf(envD), "acme/app"); err != nil {
		t.Fatalf("the lock was left held: %v", err)
	}
}
