package storage

import (
	"context"

	"github.com/jitgit/jitgit/audit"
)

// Checkpoints are the signed checkpoints of the audit trail, keyed by the
// sequence number of the event they sign. Like Events they have their own
// transactions.
type Checkpoints interface {
	// PutCheckpoint stores c durably, replacing any checkpoint of the same
	// Seq.
	PutCheckpoint(ctx context.Context, c audit.Checkpoint) error
	// LastCheckpoint returns the checkpoint with the highest Seq; ok is
	// false when there is none.
	LastCheckpoint(ctx context.Context) (c audit.Checkpoint, ok bool, err error)
	// ScanCheckpoints calls fn with the checkpoints of Seq from or more,
	// lowest first, until fn returns false, holding one at a time.
	ScanCheckpoints(ctx context.Context, from uint64, fn func(audit.Checkpoint) bool) error
}
