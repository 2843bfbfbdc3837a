package badgerstore

import (
	"context"
	"fmt"
	"io"
)

// Backup writes a full backup of the database to w in Badger's backup
// format. It sees one consistent snapshot and may run while the database is
// in use.
func (db *DB) Backup(ctx context.Context, w io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := db.bdb.Backup(w, 0); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// Load restores a backup written by Backup. Load into an empty database:
// records in the backup overwrite those with the same keys, and the others
// stay.
func (db *DB) Load(r io.Reader) error {
	defer db.cache.invalidate()
	if err := db.bdb.Load(r, 256); err != nil {
		return fmt.Errorf("load backup: %w", err)
	}
	return db.loadBatches()
}
