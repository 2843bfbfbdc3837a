package badgerstore

import (
	"context"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
)

// CreateRepo stores a new repository record; the name must be new.
func (db *DB) CreateRepo(ctx context.Context, r auth.Repo) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkID("repository name", r.Name); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		ok, err := exists(txn, repoKey(r.Name))
		if err != nil {
			return fmt.Errorf("repository %q: %w", r.Name, err)
		}
		if ok {
			return fmt.Errorf("repository %q: %w", r.Name, auth.ErrExists)
		}
		return set(txn, repoKey(r.Name), r)
	})
}

// GetRepo returns the repository called name.
func (db *DB) GetRepo(ctx context.Context, name string) (auth.Repo, error) {
	if err := ctx.Err(); err != nil {
		return auth.Repo{}, err
	}
	var r auth.Repo
	err := db.view(func(txn *badger.Txn) error {
		var err error
		r, err = get[auth.Repo](txn, repoKey(name), fmt.Sprintf("repository %q", name))
		return err
	})
	return r, err
}

// UpdateRepo changes the repository called name; its name cannot change.
func (db *DB) UpdateRepo(ctx context.Context, name string, fn func(*auth.Repo) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(txn *badger.Txn) error {
		r, err := get[auth.Repo](txn, repoKey(name), fmt.Sprintf("repository %q", name))
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		if r.Name != name {
			return fmt.Errorf("%w: repository %q: the name cannot change", auth.ErrInvalid, name)
		}
		return set(txn, repoKey(name), r)
	})
}

// ListRepos returns every repository, sorted by name.
func (db *DB) ListRepos(ctx context.Context) ([]auth.Repo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var rs []auth.Repo
	err := db.view(func(txn *badger.Txn) error {
		var err error
		rs, err = scan[auth.Repo](txn, []byte(prefixRepo))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list repositories: %w", err)
	}
	return rs, nil
}
