package etcdtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/etcdtest"
)

func TestThreeMembersSurviveOneStop(t *testing.T) {
	c := etcdtest.Start(t, 3)
	cli := c.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	c.Stop(0)
	if _, err := cli.Put(ctx, "k", "v2"); err != nil {
		t.Fatalf("put with one member stopped: %v", err)
	}
	c.Restart(0)
	r, err := cli.Get(ctx, "k")
	if err != nil || len(r.Kvs) != 1 || string(r.Kvs[0].Value) != "v2" {
		t.Fatalf("get after restart: %v %v", r, err)
	}
	if n := len(c.Endpoints()); n != 3 {
		t.Fatalf("%d endpoints, want 3", n)
	}
}
