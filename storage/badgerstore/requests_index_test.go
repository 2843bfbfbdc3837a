package badgerstore

import (
	"context"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// TestOpenIndexesRequestsOfAnOlderDatabase: a database written before the
// request and open-grant indexes existed (records without their index
// keys, no markers) gets them at Open, so ListBy, ListStatus and ListOpen
// find every record.
func TestOpenIndexesRequestsOfAnOlderDatabase(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i, id := range []string{"r1", "r2", "r3"} {
		r := auth.Request{ID: id, Requester: "alice", Repo: "acme/web", Level: auth.LevelRead, Duration: time.Hour,
			Status: auth.StatusPending, Created: now.Add(time.Duration(i) * time.Minute), Expires: now.Add(time.Hour), Needed: 1}
		if i == 2 {
			r.Status = auth.StatusDenied
		}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Requests().Create(r) }); err != nil {
			t.Fatal(err)
		}
	}
	for i, id := range []string{"g1", "g2"} {
		g := auth.Grant{ID: id, Subject: "user:alice", Repo: "acme/web", Level: auth.LevelRead, Starts: now, Expires: now.Add(time.Hour),
			Origin: auth.OriginAdmin, CreatedBy: "admin", Created: now.Add(time.Duration(i) * time.Minute)}
		if i == 1 {
			g.Ended, g.EndedBy = now, "admin"
		}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(g) }); err != nil {
			t.Fatal(err)
		}
	}
	// Make it look as the older release left it.
	err = db.bdb.Update(func(txn *badger.Txn) error {
		for _, prefix := range []string{record.PrefixRequestBy, record.PrefixRequestStatus, record.PrefixGrantOpen} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
			var keys [][]byte
			for it.Rewind(); it.Valid(); it.Next() {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
			it.Close()
			for _, k := range keys {
				if err := txn.Delete(k); err != nil {
					return err
				}
			}
		}
		if err := txn.Delete([]byte(record.KeyGrantOpenIndexed)); err != nil {
			return err
		}
		return txn.Delete([]byte(record.KeyRequestIndexed))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var by, pending []auth.Request
	var open []auth.Grant
	err = db.View(ctx, func(tx storage.Tx) error {
		var err error
		if by, err = tx.Requests().ListBy("alice"); err != nil {
			return err
		}
		if pending, err = tx.Requests().ListStatus(auth.StatusPending); err != nil {
			return err
		}
		open, err = tx.Grants().ListOpen()
		return err
	})
	if err != nil || len(by) != 3 || len(pending) != 2 || pending[0].ID != "r2" {
		t.Fatalf("after reopening: ListBy = %d, ListStatus(pending) = %+v, %v; want 3 and r2 r1", len(by), pending, err)
	}
	if len(open) != 1 || open[0].ID != "g1" {
		t.Fatalf("after reopening: ListOpen = %+v; want g1 alone", open)
	}
}
