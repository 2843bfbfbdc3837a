package storagetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// stagedGrants makes n grants of batch b, each with a long reason so that
// they need many transactions.
func stagedGrants(b string, n int) []storage.StagedGrant {
	out := make([]storage.StagedGrant, n)
	for i := range out {
		g := grant(fmt.Sprintf("g_%s_%05d", b, i), fmt.Sprintf("user:u%d", i%97), "acme/web", base, base.Add(time.Hour))
		g.Reason, g.Origin, g.Batch = strings.Repeat("r", 900), auth.OriginBulk, b
		out[i] = storage.StagedGrant{Grant: g}
	}
	return out
}

func countVisible(t *testing.T, s storage.Store, batch string) (listed, decided int) {
	t.Helper()
	all := get(t, s, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().List() })
	for _, g := range all {
		if g.Batch == batch {
			listed++
		}
	}
	subjects := make([]string, 97)
	for i := range subjects {
		subjects[i] = fmt.Sprintf("user:u%d", i)
	}
	gs, err := s.GrantsFor(ctx, subjects, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Batch == batch {
			decided++
		}
	}
	return listed, decided
}

// testBatchAllOrNone: a batch far larger than one transaction is invisible
// while staged (to GrantsFor, List and Get), and visible whole once
// committed.
func testBatchAllOrNone(t *testing.T, s storage.Store) {
	const n = 3000 // about 6 MB of grants: many transactions
	gs := stagedGrants("b1", n)
	if err := s.BeginBatch(ctx, storage.Batch{ID: "b1", CreatedBy: "admin", Created: base}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.BeginBatch(ctx, storage.Batch{ID: "b1", CreatedBy: "admin", Created: base}), auth.ErrExists)
	// Warm the decision's cache before staging, as a running server has.
	countVisible(t, s, "b1")
	if err := s.StageGrants(ctx, "b1", gs); err != nil {
		t.Fatal(err)
	}
	if l, d := countVisible(t, s, "b1"); l != 0 || d != 0 {
		t.Fatalf("staged batch: %d listed, %d decided; want none", l, d)
	}
	_, err := view(s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get(gs[0].Grant.ID) })
	wantErr(t, err, auth.ErrNotFound)
	b, _, err := s.CommitBatch(ctx, "b1", base, audit.Event{Time: base, Actor: "admin", Action: "grant.bulk", Result: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if b.State < storage.BatchCommitted || !b.Committed.Equal(base) {
		t.Fatalf("committed batch = %+v", b)
	}
	if l, d := countVisible(t, s, "b1"); l != n || d != n {
		t.Fatalf("committed batch: %d listed, %d decided; want %d", l, d, n)
	}
	got := get(t, s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get(gs[0].Grant.ID) })
	if got.Batch != "b1" {
		t.Fatalf("Get = %+v, want batch b1", got)
	}
	_, _, err = s.CommitBatch(ctx, "b1", base, audit.Event{Time: base, Actor: "admin", Action: "grant.bulk", Result: "ok"})
	wantErr(t, err, auth.ErrConflict)
	wantErr(t, s.AbortBatch(ctx, "b1"), auth.ErrConflict)
	wantErr(t, s.StageGrants(ctx, "b1", stagedGrants("b1", 1)[:1]), auth.ErrConflict)
	if b, err := s.GetBatch(ctx, "b1"); err != nil || b.State != storage.BatchDone {
		t.Fatalf("GetBatch = %+v, %v; want done", b, err)
	}
}

// testBatchAbort: an aborted or recovered staged batch leaves nothing, and
// others' grants stay.
func testBatchAbort(t *testing.T, s storage.Store) {
	other := grant("g_other", "user:u1", "acme/web", base, base.Add(time.Hour))
	update(t, s, func(tx storage.Tx) error { return tx.Grants().Create(other) })
	for _, id := range []string{"b2", "b3"} {
		if err := s.BeginBatch(ctx, storage.Batch{ID: id, CreatedBy: "admin", Created: base}); err != nil {
			t.Fatal(err)
		}
		if err := s.StageGrants(ctx, id, stagedGrants(id, 1500)); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.StageGrants(ctx, "b2", stagedGrants("b3", 1)), auth.ErrInvalid)
	if err := s.AbortBatch(ctx, "b2"); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetBatch(ctx, "b2")
	wantErr(t, err, auth.ErrNotFound)
	aborted, finished, err := s.RecoverBatches(ctx)
	if err != nil || !slices.Equal(aborted, []string{"b3"}) || len(finished) != 0 {
		t.Fatalf("RecoverBatches = %v, %v, %v; want b3 aborted", aborted, finished, err)
	}
	all := get(t, s, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().List() })
	if len(all) != 1 || all[0].ID != "g_other" {
		t.Fatalf("after aborts: %v, want only g_other", ids(all))
	}
	// The ids of an aborted batch are free again.
	if err := s.BeginBatch(ctx, storage.Batch{ID: "b4", CreatedBy: "admin", Created: base}); err != nil {
		t.Fatal(err)
	}
	if err := s.StageGrants(ctx, "b4", stagedGrants("b4", 10)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CommitBatch(ctx, "b4", base, audit.Event{Time: base, Actor: "admin", Action: "grant.bulk", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	if bs, err := s.ListBatches(ctx); err != nil || len(bs) != 1 || bs[0].ID != "b4" {
		t.Fatalf("ListBatches = %+v, %v; want b4", bs, err)
	}
}

// testBatchExtends: a committed batch ends the grants its grants replace,
// at the commit instant; a staged one changes nothing.
func testBatchExtends(t *testing.T, s storage.Store) {
	old := grant("g_old", "user:u1", "acme/web", base, base.Add(time.Hour))
	update(t, s, func(tx storage.Tx) error { return tx.Grants().Create(old) })
	if err := s.BeginBatch(ctx, storage.Batch{ID: "b5", CreatedBy: "root", Created: base, Replaced: 1}); err != nil {
		t.Fatal(err)
	}
	ng := grant("g_new", "user:u1", "acme/web", base.Add(time.Minute), base.Add(5*time.Hour))
	ng.Batch = "b5"
	if err := s.StageGrants(ctx, "b5", []storage.StagedGrant{{Grant: ng, Replaces: "g_old"}}); err != nil {
		t.Fatal(err)
	}
	gs, _ := s.GrantsFor(ctx, []string{"user:u1"}, base)
	if !slices.Equal(ids(gs), []string{"g_old"}) {
		t.Fatalf("staged extension: GrantsFor = %v, want g_old", ids(gs))
	}
	at := base.Add(time.Minute)
	if _, _, err := s.CommitBatch(ctx, "b5", at, audit.Event{Time: at, Actor: "admin", Action: "grant.bulk", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	gs, _ = s.GrantsFor(ctx, []string{"user:u1"}, at)
	if !slices.Equal(ids(gs), []string{"g_new"}) {
		t.Fatalf("committed extension: GrantsFor = %v, want g_new", ids(gs))
	}
	o := get(t, s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get("g_old") })
	if !o.Ended.Equal(at) || o.EndedBy != "root" || !strings.Contains(o.EndNote, "b5") {
		t.Fatalf("replaced grant = %+v, want ended at the commit by root", o)
	}
}
