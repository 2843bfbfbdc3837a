package storage

import (
	"context"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// BatchState is where a batch is in its life.
type BatchState uint8

// The states of a batch. A batch only moves forward: staged → committed →
// done, or staged → gone (aborted).
const (
	// BatchStaged: its grants are being written and count for nothing:
	// GrantsFor, Grants.List and Grants.Get do not see them.
	BatchStaged BatchState = 1
	// BatchCommitted: its grants are in force; the grants it replaces
	// (extensions) may still be running until the backend ends them.
	BatchCommitted BatchState = 2
	// BatchDone: committed, and every grant it replaces has ended.
	BatchDone BatchState = 3
)

// String names the state as listings show it.
func (s BatchState) String() string {
	switch s {
	case BatchStaged:
		return "staged"
	case BatchCommitted:
		return "committed"
	case BatchDone:
		return "done"
	}
	return "unknown"
}

// Batch is the record of one bulk load of grants: every grant of it
// carries its id, and none of them counts until the batch is committed.
type Batch struct {
	ID        string
	State     BatchState
	CreatedBy string
	Created   time.Time
	Committed time.Time // zero until committed
	Grants    int       // how many grants it holds (new and extensions)
	Replaced  int       // how many running grants it extends (ends and replaces)
	Note      string    // what the batch came from, for listings
}

// StagedGrant is one grant of a batch. Replaces, when set, is the id of a
// running grant of the same subject, repository and access that this one
// extends: it ends when the batch commits.
type StagedGrant struct {
	Grant    auth.Grant
	Replaces string
}

// Batches writes a set of grants larger than one transaction can hold,
// all or none. Begin stores the record (staged); Stage writes grants under
// it in as many transactions as it takes, none of them visible; Commit
// makes all of them count in one small transaction, then ends the grants
// they replace. A batch abandoned while staged (the writer died) is
// aborted by Recover, which the owner of the store calls once when it
// starts and before it serves, and which also finishes a committed
// batch whose replaced grants were not all ended yet.
type Batches interface {
	// BeginBatch stores b, which must be new, as staged.
	BeginBatch(ctx context.Context, b Batch) error
	// StageGrants writes grants of the staged batch id. Every grant's
	// Batch must be id and its ID new.
	StageGrants(ctx context.Context, id string, gs []StagedGrant) error
	// CommitBatch makes the staged batch id count, at once and as a whole,
	// with the audit event ev staged (Intents.Stage) in the same
	// transaction, then ends each grant it replaces at `at`, noting the
	// batch. It returns the record as committed and ev as staged. A batch
	// that is not staged gives auth.ErrConflict.
	CommitBatch(ctx context.Context, id string, at time.Time, ev audit.Event) (Batch, audit.Event, error)
	// AbortBatch removes the staged batch id and every grant of it. A
	// batch already committed gives auth.ErrConflict.
	AbortBatch(ctx context.Context, id string) error
	// GetBatch returns the batch id.
	GetBatch(ctx context.Context, id string) (Batch, error)
	// ListBatches returns every batch, newest first.
	ListBatches(ctx context.Context) ([]Batch, error)
	// RecoverBatches aborts every staged batch and finishes every
	// committed one, and says which it aborted and finished.
	RecoverBatches(ctx context.Context) (aborted, finished []string, err error)
}
