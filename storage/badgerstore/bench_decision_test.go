package badgerstore

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// BenchmarkDecisionAudit is the store's part of an audited decision: the
// subject's grants (cached) and one event appended durably (on disk, with
// synchronous writes), from 32 clients: the baseline of etcdstore's
// BenchmarkDecisionAudit.
func BenchmarkDecisionAudit(b *testing.B) {
	ctx := context.Background()
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Now().UTC()
	g := auth.Grant{ID: "g1", Subject: "user:alice", Repo: "acme/app", Level: auth.LevelWrite, Starts: now.Add(-time.Minute),
		Expires: now.Add(time.Hour), Origin: auth.OriginAdmin, Created: now}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(g) }); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var ds []time.Duration
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
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
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "decision-p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "decision-p99-ms")
}

// BenchmarkAuditedDecision is BenchmarkDecisionAudit through audit.Log, as
// the server records decisions: the baseline of etcdstore's.
func BenchmarkAuditedDecision(b *testing.B) {
	ctx := context.Background()
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	l := audit.NewLog(db.Events(), time.Now)
	b.Cleanup(l.Close)
	now := time.Now().UTC()
	var mu sync.Mutex
	var ds []time.Duration
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			if _, err := db.GrantsFor(ctx, []string{"user:alice", "group:dev"}, now); err != nil {
				b.Error(err)
				return
			}
			if err := l.Record(ctx, audit.Event{Action: "git.fetch", Actor: "alice", Repo: "acme/app"}); err != nil {
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
	slices.Sort(ds)
	b.ReportMetric(float64(len(ds))/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "decision-p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "decision-p99-ms")
}
