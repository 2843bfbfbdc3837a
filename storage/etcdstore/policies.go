package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// policies is storage.Policies in one transaction.
type policies struct{ t *tx }

// Put stores p, replacing any policy with its id, and indexes a copy under
// each of its subjects.
func (s policies) Put(p auth.Policy) error {
	if err := record.CheckID("policy id", p.ID); err != nil {
		return err
	}
	for _, sub := range p.Subjects {
		if err := record.CheckSegment("policy subject", sub); err != nil {
			return err
		}
	}
	b, err := encode(p)
	if err != nil {
		return err
	}
	txn := s.t.txn
	found, err := s.deleteIndex(p.ID)
	if err != nil {
		return err
	}
	if !found {
		if err := s.t.added("policy"); err != nil {
			return fmt.Errorf("policy %q: %w", p.ID, err)
		}
	}
	if err := txn.Set(record.PolicyKey(p.ID), b); err != nil {
		return fmt.Errorf("policy %q: %w", p.ID, err)
	}
	for _, sub := range p.Subjects {
		if err := txn.Set(record.PolicySubjectKey(sub, p.ID), b); err != nil {
			return fmt.Errorf("policy %q: %w", p.ID, err)
		}
	}
	s.t.policies = true
	return nil
}

// deleteIndex removes the subject index entries of the stored policy id
// and reports whether there was such a policy.
func (s policies) deleteIndex(id string) (bool, error) {
	old, err := get[auth.Policy](s.t.txn, record.PolicyKey(id), fmt.Sprintf("policy %q", id))
	if errors.Is(err, auth.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, sub := range old.Subjects {
		if err := s.t.txn.Delete(record.PolicySubjectKey(sub, id)); err != nil {
			return false, fmt.Errorf("policy %q: %w", id, err)
		}
	}
	s.t.policies = true
	return true, nil
}

// Delete removes the policy id and its index entries.
func (s policies) Delete(id string) error {
	found, err := s.deleteIndex(id)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("policy %q: %w", id, auth.ErrNotFound)
	}
	if err := s.t.txn.Delete(record.PolicyKey(id)); err != nil {
		return fmt.Errorf("policy %q: %w", id, err)
	}
	return nil
}

// List returns every policy, sorted by id.
func (s policies) List() ([]auth.Policy, error) {
	if err := s.t.listed("policy"); err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	ps, err := scan[auth.Policy](s.t.txn, []byte(record.PrefixPolicy))
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return ps, nil
}

// PoliciesFor returns the policies naming any of the given subjects, each
// once, subject by subject.
func (db *DB) PoliciesFor(ctx context.Context, subjects []string) ([]auth.Policy, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hit, missing, gen := lookup(db.cache, db.cache.policies, subjects)
	if len(missing) > 0 {
		read := make(map[string][]auth.Policy, len(missing))
		prefixes := make([]string, 0, len(missing))
		for _, s := range missing {
			if record.CheckSegment("subject", s) == nil {
				prefixes = append(prefixes, string(record.PolicySubjectPrefix(s)))
			}
		}
		lists, rev, err := db.readPrefixes(ctx, prefixes)
		if err != nil {
			return nil, fmt.Errorf("policies for %v: %w", subjects, err)
		}
		for i, vals := range lists {
			var ps []auth.Policy
			for _, v := range vals {
				var p auth.Policy
				if err := decode(v, &p); err != nil {
					return nil, fmt.Errorf("policies for %v: %w", subjects, err)
				}
				ps = append(ps, p)
			}
			read[prefixes[i][len(record.PrefixPolicySubject):len(prefixes[i])-1]] = ps
		}
		store(db.cache, db.cache.policies, read, gen, rev)
		for s, ps := range read {
			hit[s] = ps
		}
	}
	var out []auth.Policy
	seen := make(map[string]bool)
	for _, s := range subjects {
		for _, p := range hit[s] {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}
