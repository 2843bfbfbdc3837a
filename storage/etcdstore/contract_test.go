package etcdstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/etcdtest"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
	"github.com/jitgit/jitgit/storage/storagetest"
)

// prefixes numbers the stores of a test process, each under its own
// prefix of one etcd, as installations sharing an etcd are.
var prefixes atomic.Int64

// openTest opens a store under a fresh prefix of cli's etcd.
func openTest(t testing.TB, cli *clientv3.Client) *DB {
	t.Helper()
	return openOpts(t, cli, Options{MaxTxnOps: etcdtest.MaxTxnOps})
}

// openOpts opens a store with opts under a fresh prefix of cli's etcd.
func openOpts(t testing.TB, cli *clientv3.Client, opts Options) *DB {
	t.Helper()
	opts.Prefix = fmt.Sprintf("/test/%d/", prefixes.Add(1))
	db, err := Open(context.Background(), cli, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	cli := etcdtest.Start(t, 1).Client(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return tamperable{openTest(t, cli)} })
}

// TestContractDefaultTxnOps runs the suite with etcd's default bound of
// operations per transaction: the store refuses to send more, so bulk
// writes must cut themselves below it.
func TestContractDefaultTxnOps(t *testing.T) {
	cli := etcdtest.Start(t, 1).Client(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return tamperable{openOpts(t, cli, Options{})} })
}

// tamperable is a DB whose audit trail the contract suite may damage.
type tamperable struct{ *DB }

// PutEvent stores e under seq as it is, outside the chain.
func (d tamperable) PutEvent(ctx context.Context, seq uint64, e audit.Event) error {
	return d.update(ctx, func(txn *kvTxn) error { return set(txn, record.EventKey(seq), e) })
}

// DeleteEvent removes the event seq, leaving the head as it was.
func (d tamperable) DeleteEvent(ctx context.Context, seq uint64) error {
	return d.update(ctx, func(txn *kvTxn) error { return txn.Delete(record.EventKey(seq)) })
}
