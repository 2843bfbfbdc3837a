package badgerstore

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// repos is storage.Repos in one transaction.
type repos struct{ t *tx }

// Create stores a new repository record; the name must be new.
func (s repos) Create(r auth.Repo) error {
	if err := record.CheckID("repository name", r.Name); err != nil {
		return err
	}
	ok, err := exists(s.t.txn, record.RepoKey(r.Name))
	if err != nil {
		return fmt.Errorf("repository %q: %w", r.Name, err)
	}
	if ok {
		return fmt.Errorf("repository %q: %w", r.Name, auth.ErrExists)
	}
	if err := s.t.added("repo"); err != nil {
		return fmt.Errorf("repository %q: %w", r.Name, err)
	}
	return set(s.t.txn, record.RepoKey(r.Name), r)
}

// Get returns the repository called name.
func (s repos) Get(name string) (auth.Repo, error) {
	return get[auth.Repo](s.t.txn, record.RepoKey(name), fmt.Sprintf("repository %q", name))
}

// Update replaces the repository called r.Name, which must exist.
func (s repos) Update(r auth.Repo) error {
	if _, err := s.Get(r.Name); err != nil {
		return err
	}
	return set(s.t.txn, record.RepoKey(r.Name), r)
}

// Delete removes the repository record called name, which must exist.
func (s repos) Delete(name string) error {
	if _, err := s.Get(name); err != nil {
		return err
	}
	if err := s.t.txn.Delete(record.RepoKey(name)); err != nil {
		return fmt.Errorf("repository %q: %w", name, err)
	}
	return nil
}

// List returns every repository, sorted by name.
func (s repos) List() ([]auth.Repo, error) {
	if err := s.t.listed("repo"); err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	rs, err := scan[auth.Repo](s.t.txn, []byte(record.PrefixRepo))
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	return rs, nil
}

// GetRepo returns the repository called name, in a read transaction of its
// own; it is part of the decision's read path (auth.Rules).
func (db *DB) GetRepo(ctx context.Context, name string) (auth.Repo, error) {
	if err := ctx.Err(); err != nil {
		return auth.Repo{}, err
	}
	var r auth.Repo
	err := db.view(func(txn *badger.Txn) error {
		var err error
		r, err = get[auth.Repo](txn, record.RepoKey(name), fmt.Sprintf("repository %q", name))
		return err
	})
	return r, err
}
