package etcdstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/etcdtest"
	"github.com/jitgit/jitgit/storage"
)

// reportLatency reports the p50 and p99 of ds in milliseconds.
func reportLatency(b *testing.B, ds []time.Duration, name string) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, name+"-p99-ms")
}

// BenchmarkPropagation measures how long a grant committed through node A
// takes to be seen by GrantsFor on node B, which had the subject's grants
// cached: the watch's delay (one member on loopback).
func BenchmarkPropagation(b *testing.B) {
	ctx := context.Background()
	a, n2 := twoNodes(b, etcdtest.Start(b, 1), Options{})
	now := time.Now().UTC()
	ds := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		// A subject of its own each time, so the lists stay short; B has
		// its (empty) list cached.
		subject, id := fmt.Sprintf("user:u%d", i), fmt.Sprintf("g%d", i)
		grantIDs(b, n2, subject, now)
		grantIDs(b, n2, subject, now)
		if err := a.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(testGrant(id, subject, now)) }); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for !slices.Contains(grantIDs(b, n2, subject, now), id) {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("grant %s not seen on B after 10s", id)
			}
		}
		ds = append(ds, time.Since(start))
	}
	reportLatency(b, ds, "visible")
}

// BenchmarkDecisionAudit is the store's part of an audited decision: the
// subject's grants (cached) and one event appended durably, from 32
// clients across two nodes on a three-member cluster. Compare with
// badgerstore's BenchmarkDecisionAudit in the same run.
func BenchmarkDecisionAudit(b *testing.B) {
	ctx := context.Background()
	a, n2 := twoNodes(b, etcdtest.Start(b, 3), Options{})
	now := time.Now().UTC()
	if err := a.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(testGrant("g1", "user:alice", now)) }); err != nil {
		b.Fatal(err)
	}
	nodes := []*DB{a, n2}
	var mu sync.Mutex
	var ds []time.Duration
	var next int
	b.SetParallelism(16) // 32 clients on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		db := nodes[next%2]
		next++
		mu.Unlock()
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if _, err := db.GrantsFor(ctx, []string{"user:alice", "group:dev"}, now); err != nil {
				b.Error(err)
				return
			}
			if _, err := db.Events().AppendEvents(ctx, []audit.Event{{Action: "git.fetch", Actor: "alice", Repo: "acme/app"}}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		ds = append(ds, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	reportLatency(b, ds, "decision")
	if err := a.Events().Verify(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAuditedDecision is BenchmarkDecisionAudit through audit.Log, as
// the server records decisions: concurrent events share one append. 32
// clients over two nodes, each node with its own Log, on three members.
// Compare with badgerstore's BenchmarkAuditedDecision in the same run.
func BenchmarkAuditedDecision(b *testing.B) {
	ctx := context.Background()
	a, n2 := twoNodes(b, etcdtest.Start(b, 3), Options{})
	now := time.Now().UTC()
	if err := a.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(testGrant("g1", "user:alice", now)) }); err != nil {
		b.Fatal(err)
	}
	type node struct {
		db  *DB
		log *audit.Log
	}
	var nodes []node
	for _, db := range []*DB{a, n2} {
		l := audit.NewLog(db.Events(), time.Now)
		b.Cleanup(l.Close)
		nodes = append(nodes, node{db, l})
	}
	var mu sync.Mutex
	var ds []time.Duration
	var next int
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		n := nodes[next%2]
		next++
		mu.Unlock()
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if _, err := n.db.GrantsFor(ctx, []string{"user:alice", "group:dev"}, now); err != nil {
				b.Error(err)
				return
			}
			if err := n.log.Record(ctx, audit.Event{Action: "git.fetch", Actor: "alice", Repo: "acme/app"}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		ds = append(ds, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	b.ReportMetric(float64(len(ds))/b.Elapsed().Seconds(), "decisions/s")
	reportLatency(b, ds, "decision")
	if err := a.Events().Verify(ctx); err != nil {
		b.Fatal(err)
	}
}
