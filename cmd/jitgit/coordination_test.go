package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/etcdtest"
)

func testSigner(t *testing.T) *audit.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return audit.NewSigner(k)
}

// TestCoordinationOnEtcd: two nodes on one etcd see each other, one leads
// each job, their sign-in throttles count together, and the status says
// which node keys are trusted.
func TestCoordinationOnEtcd(t *testing.T) {
	c := etcdtest.Start(t, 1)
	sa, sb := testSigner(t), testSigner(t)
	cfgA, cfgB := defaultConfig(), defaultConfig()
	cfgA.Cluster = clusterConfig{Node: "a", LeaseTTL: time.Second, AuditKeys: []ed25519.PublicKey{sb.Public()}, AuditKeyFiles: []string{"b.pub"}}
	cfgB.Cluster = clusterConfig{Node: "b", LeaseTTL: time.Second}
	a := newCoordination(c.Client(t), "jg/", cfgA, sa, nil, time.Now, nil)
	b := newCoordination(c.Client(t), "jg/", cfgB, sb, nil, time.Now, nil)
	if !a.shared || a.locks == nil {
		t.Fatal("on etcd the repositories are shared and pushes locked")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, n := range []*coordination{a, b} {
		go n.keep(ctx)
		for _, j := range clusterJobs {
			go n.lead(j, func(ctx context.Context) { <-ctx.Done() })(ctx)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := a.status(ctx)
		if err == nil && len(st.Nodes) == 2 && st.Jobs[0].Leader != "" && st.Jobs[1].Leader != "" && st.Jobs[2].Leader != "" {
			if st.Backend != "etcd" || len(st.Store) != 1 || !st.Store[0].Healthy {
				t.Fatalf("status %+v", st)
			}
			if !st.Nodes[0].Trusted || !st.Nodes[1].Trusted || len(st.Keys) != 2 {
				t.Fatalf("node a lists b's key in audit_keys: %+v", st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed both nodes and the leaders: %+v %v", st, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stb, err := b.status(ctx)
	if err != nil || stb.Nodes[0].Name != "a" || stb.Nodes[0].Trusted {
		t.Fatalf("node b does not list a's key, so a is not trusted there: %+v %v", stb, err)
	}
	la, lb := a.limiters("signin-addr", 2, 5*time.Minute), b.limiters("signin-addr", 2, 5*time.Minute)
	la.Fail("addr:192.0.2.7")
	lb.Fail("addr:192.0.2.7")
	if la.Wait("addr:192.0.2.7") == 0 || lb.Wait("addr:192.0.2.7") == 0 {
		t.Fatal("two failures on two nodes did not use up a budget of two")
	}
}

// TestCoordinationOnBadger: no etcd client, one node, nothing locked or
// shared, as the server ran before clusters.
func TestCoordinationOnBadger(t *testing.T) {
	cfg := defaultConfig()
	cfg.Cluster.Node, cfg.PublicURL = "solo", "http://127.0.0.1:3000"
	co := newCoordination(nil, "", cfg, testSigner(t), nil, time.Now, nil)
	if co.shared || co.locks != nil {
		t.Fatal("a single node locks or shares")
	}
	st, err := co.status(context.Background())
	if err != nil || st.Backend != "badger" || len(st.Nodes) != 1 || st.Nodes[0].Address != "http://127.0.0.1:3000" || len(st.Store) != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	for _, j := range st.Jobs {
		if j.Leader != "solo" {
			t.Fatalf("job %s led by %q", j.Job, j.Leader)
		}
	}
}
