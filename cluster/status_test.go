package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

type fixedLag struct{ applied int64 }

func (f fixedLag) WatchLag() (int64, time.Time) { return f.applied, time.Time{} }

func TestStatusShowsNodesLeadersAndEndpoints(t *testing.T) {
	c := etcdtest.Start(t, 3)
	cli := c.Client(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := cluster.NewNodeRegistry(cli, "jg", time.Now, testOpts)
	el := cluster.NewElections(cli, "jg", "a", testOpts)
	go reg.Keep(ctx, cluster.Node{Name: "a", Address: "10.0.0.1:3000"})
	go el.Lead(ctx, "mirrors", func(ctx context.Context) { <-ctx.Done() })
	r := cluster.Reporter{Node: "a", Registry: reg, Elector: el, Jobs: []string{"mirrors", "webhooks"}, Client: cli, Lag: fixedLag{applied: 1}, Now: time.Now}
	var st cluster.Status
	eventually(t, 10*time.Second, "node and leader shown", func() bool {
		var err error
		st, err = r.Status(ctx)
		return err == nil && len(st.Nodes) == 1 && st.Jobs[0].Leader == "a"
	})
	if st.Backend != "etcd" || st.Jobs[1] != (cluster.JobLeader{Job: "webhooks"}) {
		t.Fatalf("status %+v", st)
	}
	if len(st.Endpoints) != 3 {
		t.Fatalf("%d endpoints, want 3", len(st.Endpoints))
	}
	leaders := 0
	for _, e := range st.Endpoints {
		if !e.Healthy || e.RaftIndex == 0 {
			t.Fatalf("endpoint %+v", e)
		}
		if e.IsLeader {
			leaders++
		}
	}
	if leaders != 1 || st.Watch == nil || st.Watch.Behind <= 0 {
		t.Fatalf("%d raft leaders, watch %+v", leaders, st.Watch)
	}
	c.Stop(2)
	st, err := r.Status(ctx)
	if err != nil || st.Endpoints[2].Error == "" || st.Endpoints[2].Healthy {
		t.Fatalf("a stopped member shows as %+v (%v)", st.Endpoints[2], err)
	}
}

func TestSoloStatusIsTheOneNode(t *testing.T) {
	s := cluster.NewSolo(cluster.Node{Name: "only"})
	st, err := cluster.Reporter{Node: "only", Registry: s, Elector: s, Jobs: []string{"mirrors"}}.Status(context.Background())
	if err != nil || st.Backend != "badger" || len(st.Nodes) != 1 || st.Jobs[0].Leader != "only" {
		t.Fatalf("%+v %v", st, err)
	}
}
