package badgerstore

import (
	"context"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// The tests of this package are about Badger's index, cache and codecs,
// not about transactions (storagetest covers those); these shorthands give
// them each operation in a transaction of its own.

// CreateGrant creates g in a transaction of its own.
func (db *DB) CreateGrant(ctx context.Context, g auth.Grant) error {
	return db.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(g) })
}

// GetGrant reads the grant id.
func (db *DB) GetGrant(ctx context.Context, id string) (g auth.Grant, err error) {
	err = db.View(ctx, func(tx storage.Tx) error { g, err = tx.Grants().Get(id); return err })
	return g, err
}

// UpdateGrant applies fn to the grant id.
func (db *DB) UpdateGrant(ctx context.Context, id string, fn func(*auth.Grant) error) error {
	return db.Update(ctx, func(tx storage.Tx) error {
		g, err := tx.Grants().Get(id)
		if err != nil {
			return err
		}
		if err := fn(&g); err != nil {
			return err
		}
		if g.ID != id {
			return auth.ErrInvalid
		}
		return tx.Grants().Update(g)
	})
}

// ListGrants lists every grant.
func (db *DB) ListGrants(ctx context.Context) (gs []auth.Grant, err error) {
	err = db.View(ctx, func(tx storage.Tx) error { gs, err = tx.Grants().List(); return err })
	return gs, err
}

// PutPolicy stores p.
func (db *DB) PutPolicy(ctx context.Context, p auth.Policy) error {
	return db.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Put(p) })
}

// DeletePolicy removes the policy id.
func (db *DB) DeletePolicy(ctx context.Context, id string) error {
	return db.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Delete(id) })
}

// ListPolicies lists every policy.
func (db *DB) ListPolicies(ctx context.Context) (ps []auth.Policy, err error) {
	err = db.View(ctx, func(tx storage.Tx) error { ps, err = tx.Policies().List(); return err })
	return ps, err
}

// CreateUser creates u.
func (db *DB) CreateUser(ctx context.Context, u auth.User) error {
	return db.Update(ctx, func(tx storage.Tx) error { return tx.Users().Create(u) })
}

// AppendEvents appends evs to the audit trail.
func (db *DB) AppendEvents(ctx context.Context, evs []audit.Event) ([]audit.Event, error) {
	return db.Events().AppendEvents(ctx, evs)
}

// VerifyAudit verifies the audit chain.
func (db *DB) VerifyAudit(ctx context.Context) error { return db.Events().Verify(ctx) }

// ListEvents returns every event after seq after, oldest first.
func (db *DB) ListEvents(ctx context.Context, after uint64) ([]audit.Event, error) {
	var out []audit.Event
	err := db.Events().Scan(ctx, after, false, func(e audit.Event) bool { out = append(out, e); return true })
	return out, err
}

// GetUser reads the user called name.
func (db *DB) GetUser(ctx context.Context, name string) (u auth.User, err error) {
	err = db.View(ctx, func(tx storage.Tx) error { u, err = tx.Users().Get(name); return err })
	return u, err
}
