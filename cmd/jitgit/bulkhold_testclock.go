//go:build jitgit_testclock

package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/jitgit/jitgit/storage"
)

// In test builds, JITGIT_TEST_BULK_HOLD=1 on `serve` stops every bulk
// batch half-way through staging: the server writes <data>/bulk.held
// and waits until <data>/bulk.release exists or the request ends. An
// end-to-end test kills the CLI or the server there, mid-batch.
const (
	bulkHeldFile    = "bulk.held"
	bulkReleaseFile = "bulk.release"
)

type holdingStore struct {
	storage.Store
	data string
}

func bulkStore(db storage.Store, data string) storage.Store {
	if os.Getenv("JITGIT_TEST_BULK_HOLD") != "1" {
		return db
	}
	return holdingStore{db, data}
}

// StageGrants stages the first half, holds, then stages the rest.
func (h holdingStore) StageGrants(ctx context.Context, id string, gs []storage.StagedGrant) error {
	half := len(gs) / 2
	if err := h.Store.StageGrants(ctx, id, gs[:half]); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(h.data, bulkHeldFile), []byte(id+"\n"), 0o600); err != nil {
		return err
	}
	for {
		if _, err := os.Stat(filepath.Join(h.data, bulkReleaseFile)); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return h.Store.StageGrants(ctx, id, gs[half:])
}
