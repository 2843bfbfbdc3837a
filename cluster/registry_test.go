package cluster_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

func TestRegistryNodeGoneAfterItsClientDies(t *testing.T) {
	c := etcdtest.Start(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dying, cut := dyingClient(t, c)
	a := cluster.NewNodeRegistry(dying, "jg", func() time.Time { return start }, testOpts)
	b := cluster.NewNodeRegistry(c.Client(t), "jg", func() time.Time { return start }, testOpts)
	go a.Keep(ctx, cluster.Node{Name: "a", Address: "10.0.0.1:3000", Version: "test", Started: start, AuditKeyID: "ka"})
	go b.Keep(ctx, cluster.Node{Name: "b", Address: "10.0.0.2:3000", Version: "test", Started: start, AuditKeyID: "kb"})
	eventually(t, 10*time.Second, "two nodes entered", func() bool { ns, _ := b.Nodes(ctx); return len(ns) == 2 })
	ns, _ := b.Nodes(ctx)
	if ns[0].Name != "a" || ns[0].Address != "10.0.0.1:3000" || ns[0].AuditKeyID != "ka" || !ns[0].Started.Equal(start) {
		t.Fatalf("node a entered as %+v", ns[0])
	}
	// A third process may not take a running node's name.
	taken := cluster.NewNodeRegistry(c.Client(t), "jg", time.Now, testOpts)
	tctx, tcancel := context.WithTimeout(ctx, 10*time.Second)
	defer tcancel()
	if err := taken.Keep(tctx, cluster.Node{Name: "b"}); !errors.Is(err, cluster.ErrNameTaken) {
		t.Fatalf("Keep of a taken name = %v, want ErrNameTaken", err)
	}
	cut()
	took := eventually(t, 5*testTTL, "node a gone", func() bool { ns, _ := b.Nodes(ctx); return len(ns) == 1 && ns[0].Name == "b" })
	t.Logf("dead node left the registry after %s (TTL %s)", took, testTTL)
}
