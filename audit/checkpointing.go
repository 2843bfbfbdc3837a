package audit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// CheckpointStore keeps signed checkpoints; storage.Checkpoints is one.
type CheckpointStore interface {
	PutCheckpoint(ctx context.Context, c Checkpoint) error
	LastCheckpoint(ctx context.Context) (Checkpoint, bool, error)
}

// checkpointer signs a checkpoint of the chain head every `every` events,
// on the writer's goroutine after a batch is durable, and at Close.
type checkpointer struct {
	store  CheckpointStore
	signer *Signer
	every  uint64

	mu     sync.Mutex
	signed uint64 // Seq of the last stored checkpoint
	head   Checkpoint
	failed atomic.Int64
}

// SetCheckpoints makes the log sign a checkpoint of its newest event with
// signer at least every `every` events and when it closes, and store it in
// cs. Call it before the log is in use. A checkpoint that cannot be stored
// is retried after the next batch and counted (FailedCheckpoints).
func (l *Log) SetCheckpoints(ctx context.Context, cs CheckpointStore, signer *Signer, every uint64) error {
	if every == 0 {
		return fmt.Errorf("audit checkpoints: every must be at least 1")
	}
	last, _, err := cs.LastCheckpoint(ctx)
	if err != nil {
		return err
	}
	l.ckpt = &checkpointer{store: cs, signer: signer, every: every, signed: last.Seq}
	return nil
}

// Checkpoint signs and stores a checkpoint of event seq with hash now,
// unless one of seq or later is stored already. The server calls it at
// start for the head it verified.
func (l *Log) Checkpoint(ctx context.Context, seq uint64, hash string) error {
	c := l.ckpt
	if c == nil || seq == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq <= c.signed {
		return nil
	}
	cp := c.signer.Sign(seq, hash, l.now())
	if err := c.store.PutCheckpoint(ctx, cp); err != nil {
		c.failed.Add(1)
		return fmt.Errorf("audit checkpoint %d: %w", seq, err)
	}
	c.signed = seq
	return nil
}

// FailedCheckpoints is how many checkpoints could not be stored since the
// log started.
func (l *Log) FailedCheckpoints() int64 {
	if l.ckpt == nil {
		return 0
	}
	return l.ckpt.failed.Load()
}

// stored notes the newest durable event and signs a checkpoint when one is
// due.
func (l *Log) stored(last Event) {
	c := l.ckpt
	if c == nil {
		return
	}
	c.mu.Lock()
	c.head = Checkpoint{Seq: last.Seq, Hash: last.Hash}
	due := last.Seq >= c.signed+c.every
	c.mu.Unlock()
	if due {
		_ = l.Checkpoint(context.Background(), last.Seq, last.Hash) // counted; retried next batch
	}
}

// closing signs the head the log wrote last, so a clean stop leaves the
// whole trail signed.
func (l *Log) closing() {
	c := l.ckpt
	if c == nil {
		return
	}
	c.mu.Lock()
	head := c.head
	c.mu.Unlock()
	_ = l.Checkpoint(context.Background(), head.Seq, head.Hash)
}
