package badgerstore

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// PutPolicy stores p, replacing any policy with its id, and indexes a copy
// under each of its subjects.
func (db *DB) PutPolicy(ctx context.Context, p auth.Policy) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("policy id", p.ID); err != nil {
		return err
	}
	for _, s := range p.Subjects {
		if err := checkSegment("policy subject", s); err != nil {
			return err
		}
	}
	b, err := encode(p)
	if err != nil {
		return err
	}
	defer db.cache.invalidate()
	return db.update(func(txn *badger.Txn) error {
		if _, err := deletePolicyIndex(txn, p.ID); err != nil {
			return err
		}
		if err := txn.Set(policyKey(p.ID), b); err != nil {
			return fmt.Errorf("policy %q: %w", p.ID, err)
		}
		for _, s := range p.Subjects {
			if err := txn.Set(policySubjectKey(s, p.ID), b); err != nil {
				return fmt.Errorf("policy %q: %w", p.ID, err)
			}
		}
		return nil
	})
}

// deletePolicyIndex removes the subject index entries of the stored policy
// id and reports whether there was such a policy.
func deletePolicyIndex(txn *badger.Txn, id string) (bool, error) {
	ok, err := exists(txn, policyKey(id))
	if err != nil || !ok {
		return false, err
	}
	old, err := get[auth.Policy](txn, policyKey(id), fmt.Sprintf("policy %q", id))
	if err != nil {
		return false, err
	}
	for _, s := range old.Subjects {
		if err := txn.Delete(policySubjectKey(s, id)); err != nil {
			return false, fmt.Errorf("policy %q: %w", id, err)
		}
	}
	return true, nil
}

// DeletePolicy removes the policy id and its index entries.
func (db *DB) DeletePolicy(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer db.cache.invalidate()
	return db.update(func(txn *badger.Txn) error {
		found, err := deletePolicyIndex(txn, id)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("policy %q: %w", id, auth.ErrNotFound)
		}
		return txn.Delete(policyKey(id))
	})
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
		err := db.view(func(txn *badger.Txn) error {
			// As in GrantsFor: one iterator, seeking to each subject, without
			// value prefetching.
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixPolicySubject)})
			defer it.Close()
			for _, s := range missing {
				if checkSegment("subject", s) != nil {
					continue
				}
				var ps []auth.Policy
				prefix := policySubjectPrefix(s)
				for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
					var p auth.Policy
					if err := it.Item().Value(func(b []byte) error { return decode(b, &p) }); err != nil {
						return fmt.Errorf("%s: %w", it.Item().Key(), err)
					}
					ps = append(ps, p)
				}
				read[s] = ps
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("policies for %v: %w", subjects, err)
		}
		store(db.cache, db.cache.policies, read, gen)
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

// ListPolicies returns every policy, sorted by id.
func (db *DB) ListPolicies(ctx context.Context) ([]auth.Policy, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ps []auth.Policy
	err := db.view(func(txn *badger.Txn) error {
		var err error
		ps, err = scan[auth.Policy](txn, []byte(prefixPolicy))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	return ps, nil
}
