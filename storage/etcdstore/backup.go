package etcdstore

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// backupMagic starts a backup; the format is this line, then every key
// under the prefix (without the prefix) and its value, in key order, each
// as a uvarint length and its bytes: key, value, key, value, ... The
// values are storage/record's codecs, as Badger stores them.
const backupMagic = "jitgit etcd backup 1\n"

// Backup writes every record under the prefix, read at one revision, to w
// (format: backupMagic). It pages through etcd, so it holds one page.
func (db *DB) Backup(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString(backupMagic); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	err := db.view(ctx, func(txn *kvTxn) error {
		it := txn.NewIterator(iterOptions{Prefix: nil})
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			var b []byte
			b = binary.AppendUvarint(b, uint64(len(item.key)))
			b = append(b, item.key...)
			b = binary.AppendUvarint(b, uint64(len(item.val)))
			b = append(b, item.val...)
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// maxBackupValue bounds one key or value read back from a backup.
const maxBackupValue = 1 << 20

// Load writes the records of a backup from Backup into the store, some
// hundreds to a transaction. Load into an empty store: records with the
// same keys are overwritten, the others stay.
func (db *DB) Load(ctx context.Context, r io.Reader) error {
	defer db.cache.invalidate()
	br := bufio.NewReader(r)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		return errors.New("load backup: not a jitgit etcd backup")
	}
	readPart := func() ([]byte, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, err
		}
		if n > maxBackupValue {
			return nil, fmt.Errorf("record of %d bytes", n)
		}
		b := make([]byte, n)
		_, err = io.ReadFull(br, b)
		return b, err
	}
	var ops []clientv3.Op
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		ctx, cancel := db.opContext(ctx)
		defer cancel()
		_, err := db.kv.Txn(ctx).Then(ops...).Commit()
		ops = ops[:0]
		if err != nil {
			return db.unavailable(err)
		}
		return nil
	}
	for {
		k, err := readPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("load backup: %w", err)
		}
		v, err := readPart()
		if err != nil {
			return fmt.Errorf("load backup: record %q: %w", k, err)
		}
		ops = append(ops, clientv3.OpPut(db.prefix+string(k), string(v)))
		if len(ops) >= db.maxTxnOps {
			if err := flush(); err != nil {
				return fmt.Errorf("load backup: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("load backup: %w", err)
	}
	return db.loadBatches(ctx)
}
