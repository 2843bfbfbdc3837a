package badgerstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// TestBatchAcrossReopen: a batch staged by a process that stopped counts
// for nothing after a reopen, and RecoverBatches removes it; a committed
// one still counts.
func TestBatchAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	stage := func(id string, n int) {
		if err := db.BeginBatch(ctx, storage.Batch{ID: id, CreatedBy: "admin", Created: now}); err != nil {
			t.Fatal(err)
		}
		gs := make([]storage.StagedGrant, n)
		for i := range gs {
			gs[i].Grant = auth.Grant{ID: fmt.Sprintf("g_%s_%d", id, i), Subject: "user:alice", Repo: "acme/web", Level: auth.LevelRead,
				Starts: now, Expires: now.Add(time.Hour), Origin: auth.OriginBulk, CreatedBy: "admin", Created: now, Batch: id}
		}
		if err := db.StageGrants(ctx, id, gs); err != nil {
			t.Fatal(err)
		}
	}
	stage("b_done", 3)
	if _, _, err := db.CommitBatch(ctx, "b_done", now, audit.Event{Time: now, Actor: "admin", Action: "grant.bulk", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	stage("b_left", 2000)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gs, err := db.GrantsFor(ctx, []string{"user:alice"}, now)
	if err != nil || len(gs) != 3 {
		t.Fatalf("after reopen: %d grants, %v; want the committed 3", len(gs), err)
	}
	aborted, _, err := db.RecoverBatches(ctx)
	if err != nil || len(aborted) != 1 || aborted[0] != "b_left" {
		t.Fatalf("RecoverBatches = %v, %v", aborted, err)
	}
	var left int
	if err := db.View(ctx, func(tx storage.Tx) error {
		all, err := tx.Grants().List()
		left = len(all)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	n := 0
	_ = db.bdb.View(func(txn *badger.Txn) error {
		n = len(scanKeys(txn, []byte(record.PrefixGrant)))
		return nil
	})
	if left != 3 || n != 3 {
		t.Fatalf("after recovery: %d listed, %d grant records; want 3", left, n)
	}
}
