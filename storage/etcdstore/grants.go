package etcdstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// checkGrant rejects a grant that cannot be stored.
func checkGrant(g auth.Grant) error {
	if err := record.CheckID("grant id", g.ID); err != nil {
		return err
	}
	return record.CheckSegment("grant subject", g.Subject)
}

// grants is storage.Grants in one transaction.
type grants struct{ t *tx }

// Create stores a new grant and its index entry. The id must be new and
// the subject must not contain '/'.
func (s grants) Create(g auth.Grant) error {
	if err := checkGrant(g); err != nil {
		return err
	}
	ok, err := exists(s.t.txn, record.GrantKey(g.ID))
	if err != nil {
		return fmt.Errorf("grant %q: %w", g.ID, err)
	}
	if ok {
		return fmt.Errorf("grant %q: %w", g.ID, auth.ErrExists)
	}
	if err := s.t.added("grant"); err != nil {
		return fmt.Errorf("grant %q: %w", g.ID, err)
	}
	return s.set(g)
}

// set writes g and its index entry, and notes the subject for the cache.
func (s grants) set(g auth.Grant) error {
	// The subject index holds a copy, which etcd may drop a day after
	// the grant ends: clean-up only, readers compare End with the clock.
	b, err := encode(g)
	if err != nil {
		return err
	}
	if err := s.t.txn.Set(record.GrantKey(g.ID), b); err != nil {
		return fmt.Errorf("grant %q: %w", g.ID, err)
	}
	var drop time.Time
	if end := g.End(); !end.IsZero() {
		drop = end.Add(indexGrace)
	}
	if err := s.t.txn.SetExpiring(record.GrantSubjectKey(g.Subject, g.ID), b, drop); err != nil {
		return fmt.Errorf("grant %q: %w", g.ID, err)
	}
	// The open index lists the grants whose end is not on the record.
	if g.EndedBy == "" {
		err = s.t.txn.Set(record.GrantOpenKey(g.ID), nil)
	} else {
		err = s.t.txn.Delete(record.GrantOpenKey(g.ID))
	}
	if err != nil {
		return fmt.Errorf("grant %q: %w", g.ID, err)
	}
	if !slices.Contains(s.t.grantSubjects, g.Subject) {
		s.t.grantSubjects = append(s.t.grantSubjects, g.Subject)
	}
	return nil
}

// Get returns the grant id, ended or not.
func (s grants) Get(id string) (auth.Grant, error) {
	g, err := get[auth.Grant](s.t.txn, record.GrantKey(id), fmt.Sprintf("grant %q", id))
	if err == nil && !s.t.db.visible(&g) {
		return auth.Grant{}, fmt.Errorf("grant %q: %w", id, auth.ErrNotFound)
	}
	return g, err
}

// Update replaces the grant g.ID and rewrites its subject index entry to
// match, moving it if the subject changed.
func (s grants) Update(g auth.Grant) error {
	if err := checkGrant(g); err != nil {
		return err
	}
	old, err := s.Get(g.ID)
	if err != nil {
		return err
	}
	if g.Subject != old.Subject {
		if err := s.t.txn.Delete(record.GrantSubjectKey(old.Subject, g.ID)); err != nil {
			return fmt.Errorf("grant %q: %w", g.ID, err)
		}
		s.t.grantSubjects = append(s.t.grantSubjects, old.Subject)
	}
	return s.set(g)
}

// List returns every grant, newest first; expired and ended ones included.
func (s grants) List() ([]auth.Grant, error) {
	if err := s.t.listed("grant"); err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	gs, err := scan[auth.Grant](s.t.txn, []byte(record.PrefixGrant))
	if err != nil {
		return nil, fmt.Errorf("list grants: %w", err)
	}
	gs = slices.DeleteFunc(gs, func(g auth.Grant) bool { return !s.t.db.visible(&g) })
	slices.SortFunc(gs, func(a, b auth.Grant) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return gs, nil
}

// ListOpen returns the grants with no EndedBy, newest first, reading only
// those the open index names.
func (s grants) ListOpen() ([]auth.Grant, error) {
	if err := s.t.listed("grant"); err != nil {
		return nil, fmt.Errorf("list open grants: %w", err)
	}
	var gs []auth.Grant
	for _, id := range scanKeys(s.t.txn, []byte(record.PrefixGrantOpen)) {
		g, err := get[auth.Grant](s.t.txn, record.GrantKey(id), fmt.Sprintf("grant %q", id))
		if err != nil {
			return nil, fmt.Errorf("list open grants: %w", err)
		}
		if s.t.db.visible(&g) {
			gs = append(gs, g)
		}
	}
	slices.SortFunc(gs, func(a, b auth.Grant) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return gs, nil
}

// GrantsFor returns the grants of the given subjects that end after now,
// including those that have not started yet, subject by subject. It reads
// only the subject index, in one read transaction: one prefix scan per
// subject. The index may have dropped grants that ended more than a day
// before the real clock, so now should not lie far in the past.
func (db *DB) GrantsFor(ctx context.Context, subjects []string, now time.Time) ([]auth.Grant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hit, missing, gen := lookup(db.cache, db.cache.grants, subjects)
	if len(missing) > 0 {
		read := make(map[string][]byte, len(missing))
		prefixes := make([]string, 0, len(missing))
		for _, s := range missing {
			if record.CheckSegment("subject", s) == nil {
				prefixes = append(prefixes, string(record.GrantSubjectPrefix(s)))
			}
		}
		lists, rev, err := db.readPrefixes(ctx, prefixes)
		if err != nil {
			return nil, fmt.Errorf("grants for %v: %w", subjects, err)
		}
		for i, vals := range lists {
			var raw []byte
			for _, v := range vals {
				raw = appendRaw(raw, v)
			}
			read[prefixes[i][len(record.PrefixGrantSubject):len(prefixes[i])-1]] = slices.Clone(raw)
		}
		store(db.cache, db.cache.grants, read, gen, rev)
		for s, raw := range read {
			hit[s] = raw
		}
	}
	out := make([]auth.Grant, 0, 16)
	for i, s := range subjects {
		if slices.Contains(subjects[:i], s) {
			continue
		}
		err := eachRaw(hit[s], func(rec []byte) error {
			var g auth.Grant
			if err := decode(rec, &g); err != nil {
				return fmt.Errorf("grant of %s: %w", s, err)
			}
			if g.End().After(now) && db.visible(&g) {
				out = append(out, g)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateGrants stores new grants as Grants.Create does, many to a transaction,
// so a bulk load costs a few fsyncs instead of one per grant. Every grant is
// checked, and the ids are checked against each other and the store, before
// anything is written; a grant created concurrently with one of the same id
// still fails its transaction with ErrExists. Each transaction is atomic, the
// whole call is not: after an error from a later transaction the earlier
// ones stay committed.
func (db *DB) CreateGrants(ctx context.Context, gs []auth.Grant) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	seen := make(map[string]bool, len(gs))
	for _, g := range gs {
		if err := checkGrant(g); err != nil {
			return err
		}
		if seen[g.ID] {
			return fmt.Errorf("%w: grant %q given twice", auth.ErrInvalid, g.ID)
		}
		seen[g.ID] = true
	}
	// Many keys to a round trip: one Get each would cost a round trip
	// per grant of a bulk load.
	keys := make([]string, len(gs))
	for i, g := range gs {
		keys[i] = string(record.GrantKey(g.ID))
	}
	if i, err := db.firstPresent(ctx, keys); err != nil {
		return fmt.Errorf("create grants: %w", err)
	} else if i >= 0 {
		return fmt.Errorf("grant %q: %w", gs[i].ID, auth.ErrExists)
	}
	subjects := make([]string, len(gs))
	for i, g := range gs {
		subjects[i] = g.Subject
	}
	defer db.cache.invalidateGrants(subjects...)
	for len(gs) > 0 {
		n := min(grantBatch(gs), db.perTxn(3))
		if err := db.update(ctx, func(txn *kvTxn) error {
			s := grants{&tx{txn: txn, update: true, db: db}}
			for _, g := range gs[:n] {
				if err := s.Create(g); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		gs = gs[n:]
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// maxBatchBytes bounds the records CreateGrants writes in one transaction,
// well inside etcd's default --max-request-bytes (1.5 MiB).
const maxBatchBytes = 256 << 10

// grantBatch returns how many of gs (at least one) fit in one transaction:
// each grant is two records of roughly its text and key sizes.
func grantBatch(gs []auth.Grant) int {
	size := 0
	for i, g := range gs {
		n := 2*(len(record.PrefixGrantSubject)+len(g.Subject)+2*len(g.ID)+4*17+64+
			len(g.Repo)+len(g.Reason)+len(g.Origin)+len(g.Request)+len(g.CreatedBy)+len(g.EndedBy)+len(g.EndNote)) +
			len(record.PrefixGrantOpen) + len(g.ID) + 16
		if size+n > maxBatchBytes && i > 0 {
			return i
		}
		size += n
	}
	return len(gs)
}
