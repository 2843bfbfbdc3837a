package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jitgit/jitgit/etcdtest"
)

// TestTxnConflicts: an attempt that read a key or listed a range does not
// commit after another transaction changed what it saw, deletions
// included; one that read something else does.
func TestTxnConflicts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, etcdtest.Start(t, 1).Client(t))
	write := func(fn func(*kvTxn) error) {
		t.Helper()
		if err := db.update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	set := func(k string) func(*kvTxn) error {
		return func(txn *kvTxn) error { return txn.Set([]byte(k), []byte("v")) }
	}
	del := func(k string) func(*kvTxn) error { return func(txn *kvTxn) error { return txn.Delete([]byte(k)) } }
	list := func(prefix string) func(*kvTxn) {
		return func(txn *kvTxn) {
			it := txn.NewIterator(iterOptions{Prefix: []byte(prefix)})
			for it.Rewind(); it.Valid(); it.Next() {
			}
		}
	}
	get := func(k string) func(*kvTxn) { return func(txn *kvTxn) { txn.Get([]byte(k)) } }
	write(set("user/a"))
	write(set("user/b"))
	for _, tc := range []struct {
		name     string
		read     func(*kvTxn)
		meantime func(*kvTxn) error
		conflict bool
	}{
		{"key changed", get("user/a"), set("user/a"), true},
		{"key deleted", get("user/b"), del("user/b"), true},
		{"absent key created", get("user/c"), set("user/c"), true},
		{"listed range grew", list("user/"), set("user/d"), true},
		{"listed range shrank", list("user/"), del("user/d"), true},
		{"listed range changed", list("user/"), set("user/a"), true},
		{"other key changed", get("user/a"), set("repo/x"), false},
		{"other range shrank", list("user/"), del("repo/x"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txn := db.newTxn(ctx, true)
			tc.read(txn)
			if err := txn.Set([]byte("out/"+tc.name), []byte("x")); err != nil {
				t.Fatal(err)
			}
			write(tc.meantime)
			err := txn.commit()
			if tc.conflict != errors.Is(err, errConflict) || (!tc.conflict && err != nil) {
				t.Fatalf("commit = %v, want conflict %v", err, tc.conflict)
			}
		})
	}
	// Many keys of one kind read collapse into one compare, still exact
	// for the kind.
	txn := db.newTxn(ctx, true)
	for i := range collapseReads + 5 {
		txn.Get(fmt.Appendf(nil, "user/k%d", i))
	}
	txn.Set([]byte("out/collapsed"), nil)
	if n := len(txn.compares()); n > 4 {
		t.Fatalf("%d compares for %d reads of one kind", n, collapseReads+5)
	}
	write(set("user/k3"))
	if err := txn.commit(); !errors.Is(err, errConflict) {
		t.Fatalf("collapsed reads: commit = %v, want a conflict", err)
	}
}
