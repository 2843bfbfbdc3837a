package etcdstore

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Empty reports whether etcd holds no key under prefix: where a copy of
// another store may go.
func Empty(ctx context.Context, cli *clientv3.Client, prefix string) (bool, error) {
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return false, fmt.Errorf("etcd: count the keys under %s: %w", prefix, err)
	}
	return resp.Count == 0, nil
}

// Importer writes records, given as the keys and values of the common
// layout (storage/badgerstore's, read by its EachRecord), into the store,
// as many to an etcd transaction as MaxTxnOps and the request size allow.
// It is for a store nobody else writes to: it neither reads nor compares.
type Importer struct {
	db    *DB
	ops   []clientv3.Op
	bytes int
	// Records counts what was written.
	Records int
}

// maxImportBytes keeps one import transaction well inside etcd's default
// --max-request-bytes (1.5 MiB).
const maxImportBytes = 1 << 20

// NewImporter starts an import into db.
func (db *DB) NewImporter() *Importer { return &Importer{db: db} }

// Put adds one record, sending the transaction when it is full.
func (im *Importer) Put(ctx context.Context, key, value []byte) error {
	if im.bytes+len(key)+len(value) > maxImportBytes || len(im.ops) >= im.db.maxTxnOps {
		if err := im.Flush(ctx); err != nil {
			return err
		}
	}
	im.ops = append(im.ops, clientv3.OpPut(im.db.prefix+string(key), string(value)))
	im.bytes += len(im.db.prefix) + len(key) + len(value)
	return nil
}

// Flush sends what Put has gathered.
func (im *Importer) Flush(ctx context.Context) error {
	if len(im.ops) == 0 {
		return nil
	}
	ctx, cancel := im.db.opContext(ctx)
	defer cancel()
	if _, err := im.db.kv.Txn(ctx).Then(im.ops...).Commit(); err != nil {
		return fmt.Errorf("import: %w", im.db.unavailable(err))
	}
	im.Records += len(im.ops)
	im.ops, im.bytes = im.ops[:0], 0
	return nil
}

// Finish sends the rest and reloads what the store keeps in memory.
func (im *Importer) Finish(ctx context.Context) error {
	if err := im.Flush(ctx); err != nil {
		return err
	}
	im.db.cache.invalidate()
	return im.db.loadBatches(ctx)
}
