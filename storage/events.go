package storage

import (
	"context"
	"io"

	"github.com/jitgit/jitgit/audit"
)

// Events is the hash-chained audit trail. It is append-only and has its
// own transactions: the audit log batches events of many callers into one
// durable append, which no use-case transaction should wait for.
type Events interface {
	// AppendEvents numbers the events after the last stored one (from 1,
	// without gaps), chains each to its predecessor (Prev is the previous
	// event's Hash), sets a zero Time to now and keeps times in UTC, and
	// stores them durably in one transaction, in order. It returns them as
	// stored: Scan returns them exactly so. Concurrent calls never
	// interleave.
	//
	// An event that names an intent (Intents.Stage) is appended only if
	// that intent is still staged, and the intent is removed in the same
	// transaction; an event whose intent is gone was appended already and
	// is left out, of the chain and of the result. So a staged event
	// reaches the chain exactly once, whoever appends it.
	AppendEvents(ctx context.Context, evs []audit.Event) ([]audit.Event, error)
	// Staged returns up to limit events staged by committed transactions
	// and not yet appended, oldest first, each naming its intent: what a
	// process that stopped between a change and its append left behind.
	Staged(ctx context.Context, limit int) ([]audit.Event, error)
	// Verify walks the whole chain and returns an error naming the first
	// event that is missing, reordered or altered, and nil for an intact
	// (or empty) trail.
	Verify(ctx context.Context) error
	// Scan calls fn with the events after seq after, oldest first, or,
	// with newestFirst, with the events before seq after (all when after is
	// 0), newest first, until fn returns false. It holds one event at a
	// time, so a trail of any length reads in constant memory.
	Scan(ctx context.Context, after uint64, newestFirst bool, fn func(audit.Event) bool) error
}

// Intents stage the audit events of a change inside its transaction, so
// that the change and its event commit together: nothing is changed
// without its event on disk. Events.AppendEvents moves a staged event into
// the chain.
type Intents interface {
	// Stage stores a copy of ev, to commit with the transaction, and
	// returns ev naming it (Intent set). A transaction that does not
	// commit stages nothing.
	Stage(ev audit.Event) (audit.Event, error)
}

// Backup is a full copy of the store.
type Backup interface {
	// Backup writes a consistent snapshot of every record to w, in the
	// backend's own format, while the store stays in use.
	Backup(ctx context.Context, w io.Writer) error
}

var _ audit.Appender = Events(nil)
