// Package storage is the contract between jitgit's use cases and a storage
// backend: one interface per aggregate (users, tokens, keys, repositories,
// grants, policies, protection rules, requests, sessions, the audit trail,
// webhook deliveries, backups) and the
// transaction handle through which a check and the write that depends on
// it happen together. It holds no implementation; storage/badgerstore is
// the embedded backend, and storage/storagetest is the suite every backend
// must pass.
//
// Errors: looking up a missing record returns an error wrapping
// auth.ErrNotFound; creating a record whose key exists returns one wrapping
// auth.ErrExists; a record that cannot be stored (an empty key, a key
// segment containing '/', a change of an immutable field) gives
// auth.ErrInvalid. A read-write transaction that cannot commit after its
// retries gives auth.ErrConflict.
package storage

import (
	"context"

	"github.com/jitgit/jitgit/auth"
)

// Store is one storage backend. It is safe for concurrent use.
//
// The decision's read path (auth.Rules: GrantsFor, PoliciesFor, ProtectionsFor, GetRepo)
// runs outside any transaction, so that a backend can serve it from memory;
// it sees every write whose Update returned before the call, and never a
// write that has not committed. GrantsFor is exact where auth.Rules allows
// more: it returns the grants of the subjects whose End is after now (up
// to, not at, the end instant), started or not, each once. Everything else goes through View and Update.
type Store interface {
	auth.Rules

	// View runs fn in a read-only transaction: every read in fn sees the
	// same consistent snapshot. An error from fn is returned unchanged.
	View(ctx context.Context, fn func(Tx) error) error

	// Update runs fn in a read-write transaction and commits what it
	// wrote, all or nothing. Update transactions are serializable: if a
	// transaction that commits while fn runs wrote anything fn read — a
	// record it got, or a record that would have appeared in a list it
	// read — fn's writes are thrown away and fn runs again, from a fresh
	// snapshot. So fn may run more than once and must have no effect other
	// than through tx: no audit records, no messages, no changes to
	// variables it does not reset at its start. An error from fn aborts
	// the transaction, writes nothing and is returned unchanged.
	Update(ctx context.Context, fn func(Tx) error) error

	// Events is the audit trail.
	Events() Events
	// Checkpoints are the audit trail's signed checkpoints.
	Checkpoints() Checkpoints

	Backup

	// Batches loads many grants at once, all or none; grants of a batch
	// that is not committed are seen by nothing but the batch itself.
	Batches
}

// Tx is a transaction handle, valid only while the fn given to View or
// Update runs, and bound to that call's context. In a View every write
// fails.
type Tx interface {
	Users() Users
	Tokens() Tokens
	Keys() Keys
	Repos() Repos
	Grants() Grants
	Policies() Policies
	Protections() Protections
	Requests() Requests
	Sessions() Sessions
	// Intents stages the audit events of the changes made in the
	// transaction.
	Intents() Intents
	Credentials() Credentials
	// Deliveries is the webhook outbox's state.
	Deliveries() Deliveries
}
