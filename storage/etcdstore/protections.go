package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// protections is storage.Protections in one transaction.
type protections struct{ t *tx }

// Put stores p, replacing any rule with its id.
func (s protections) Put(p auth.Protection) error {
	if err := record.CheckID("protection rule id", p.ID); err != nil {
		return err
	}
	found, err := exists(s.t.txn, record.ProtectionKey(p.ID))
	if err != nil {
		return fmt.Errorf("protection rule %q: %w", p.ID, err)
	}
	if !found {
		if err := s.t.added("protection"); err != nil {
			return fmt.Errorf("protection rule %q: %w", p.ID, err)
		}
	}
	if err := set(s.t.txn, record.ProtectionKey(p.ID), p); err != nil {
		return fmt.Errorf("protection rule %q: %w", p.ID, err)
	}
	s.t.policies = true
	return nil
}

// Delete removes the rule id.
func (s protections) Delete(id string) error {
	if _, err := get[auth.Protection](s.t.txn, record.ProtectionKey(id), fmt.Sprintf("protection rule %q", id)); err != nil {
		return err
	}
	if err := s.t.txn.Delete(record.ProtectionKey(id)); err != nil {
		return fmt.Errorf("protection rule %q: %w", id, err)
	}
	s.t.policies = true
	return nil
}

// List returns every rule, sorted by id.
func (s protections) List() ([]auth.Protection, error) {
	if err := s.t.listed("protection"); err != nil {
		return nil, fmt.Errorf("list protection rules: %w", err)
	}
	ps, err := scan[auth.Protection](s.t.txn, []byte(record.PrefixProtection))
	if err != nil {
		return nil, fmt.Errorf("list protection rules: %w", err)
	}
	return ps, nil
}

// ProtectionsFor returns the protection rules whose repository pattern
// matches repo. Every rule is kept in memory once read, and the rules of
// each repository once matched, until the next write of a rule or policy;
// the slice returned is shared and must not be modified.
func (db *DB) ProtectionsFor(ctx context.Context, repo string) ([]auth.Protection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := db.cache
	c.mu.Lock()
	serving := c.servingLocked()
	if ps, ok := c.protectionsOf[repo]; ok && serving {
		c.mu.Unlock()
		return ps, nil
	}
	all, ok, gen := c.protections, c.protectionsRead && serving, c.gen
	c.mu.Unlock()
	var rev int64
	if !ok {
		err := db.view(ctx, func(txn *kvTxn) error {
			var err error
			all, err = scan[auth.Protection](txn, []byte(record.PrefixProtection))
			rev = txn.rev
			return err
		})
		if err != nil && !errors.Is(err, auth.ErrNotFound) {
			return nil, fmt.Errorf("protection rules: %w", err)
		}
	}
	var out []auth.Protection
	for _, p := range all {
		if auth.RepoMatches(p.Repo, repo) {
			out = append(out, p)
		}
	}
	c.mu.Lock()
	if c.gen == gen && (ok || rev >= c.rev) && c.servingLocked() {
		c.protections, c.protectionsRead = all, true
		if len(c.protectionsOf) >= maxCachedRepos {
			clear(c.protectionsOf)
		}
		c.protectionsOf[repo] = out
	}
	c.mu.Unlock()
	return out, nil
}
