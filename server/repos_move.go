package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
)

// Rename moves the repository old to new under the root. A repository
// already at new is refused with auth.ErrExists.
func (r *Repos) Rename(_ context.Context, old, new string) error {
	from, err := r.Path(old)
	if err != nil {
		return fmt.Errorf("rename repository: %w", err)
	}
	to, err := r.Path(new)
	if err != nil {
		return fmt.Errorf("rename repository: %w", err)
	}
	if _, err := os.Lstat(to); err == nil {
		return fmt.Errorf("rename repository to %s: %w", new, auth.ErrExists)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return fmt.Errorf("rename repository %s: %w", old, err)
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("rename repository %s: %w", old, err)
	}
	return nil
}

// Remove deletes the repository name from disk: it is first moved aside
// (one rename, so no half-removed repository is ever served), then
// removed. A repository that is not there is no error.
func (r *Repos) Remove(_ context.Context, name string) error {
	p, err := r.Path(name)
	if err != nil {
		return fmt.Errorf("remove repository: %w", err)
	}
	aside := filepath.Join(r.Root, ".removed-"+secret.NewID(""))
	if err := os.Rename(p, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("remove repository %s: %w", name, err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("remove repository %s: %w (its files are in %s)", name, err, aside)
	}
	return nil
}
