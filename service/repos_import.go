package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// RepoImporter brings existing bare repositories under the repository
// root and finds the ones there that are not registered. server.Repos
// implements it.
type RepoImporter interface {
	Import(ctx context.Context, src, name string, move bool) error
	Unregistered(known []string) ([]string, error)
	// Find lists the bare repositories at dir/OWNER/NAME(.git) by name,
	// and says which bare repositories there have no valid name.
	Find(dir string) (found map[string]string, bad []string, err error)
	// InPlace reports whether src already is name's directory.
	InPlace(src, name string) bool
}

// ImportRepos registers every bare repository at dir/OWNER/NAME(.git),
// moving or copying each. It returns the names imported and, for each one
// left alone (a bad name, already registered, failed), why; one failure
// does not stop the others.
func (s *Service) ImportRepos(ctx context.Context, actor auth.Identity, dir string, move bool) (imported, skipped []string, err error) {
	if err := requireAdmin(actor, "importing repositories"); err != nil {
		return nil, nil, err
	}
	imp, ok := s.files.(RepoImporter)
	if !ok {
		return nil, nil, fmt.Errorf("%w: this server cannot import repositories", auth.ErrInvalid)
	}
	found, bad, err := imp.Find(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: import from %s: %v", auth.ErrInvalid, dir, err)
	}
	skipped = bad
	names := make([]string, 0, len(found))
	for n := range found {
		names = append(names, n)
	}
	slices.Sort(names)
	rs, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Repo, error) { return tx.Repos().List() })
	if err != nil {
		return nil, nil, err
	}
	registered := map[string]bool{}
	for _, r := range rs {
		registered[r.Name] = true
	}
	for _, n := range names {
		if registered[n] && imp.InPlace(found[n], n) {
			continue // the repository root itself: nothing to do for these
		}
		if _, err := s.ImportRepo(ctx, actor, found[n], n, move); err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", found[n], err))
			continue
		}
		imported = append(imported, n)
	}
	if len(imported) == 0 && len(skipped) == 0 {
		return nil, nil, fmt.Errorf("%w: no bare repository at %s/OWNER/NAME.git", auth.ErrInvalid, dir)
	}
	return imported, skipped, nil
}

// ImportRepo registers the bare repository at src as name (validated like
// CreateRepo), moving or copying it under the root, keeping its history.
func (s *Service) ImportRepo(ctx context.Context, actor auth.Identity, src, name string, move bool) (auth.Repo, error) {
	if err := requireAdmin(actor, "importing a repository"); err != nil {
		return auth.Repo{}, err
	}
	imp, ok := s.files.(RepoImporter)
	if !ok {
		return auth.Repo{}, fmt.Errorf("%w: this server cannot import repositories", auth.ErrInvalid)
	}
	canon, err := auth.CanonicalRepo(name)
	if err != nil {
		return auth.Repo{}, err
	}
	if canon != name {
		return auth.Repo{}, fmt.Errorf("%w: repository %q: write it as %s", auth.ErrInvalid, name, canon)
	}
	if _, err := read(ctx, s.store, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get(canon) }); err == nil {
		return auth.Repo{}, fmt.Errorf("repository %s: %w", canon, auth.ErrExists)
	}
	if err := imp.Import(ctx, src, canon, move); err != nil {
		return auth.Repo{}, err
	}
	r := auth.Repo{Name: canon, Created: s.now().UTC(), CreatedBy: actor.Name()}
	how := "copied"
	if move {
		how = "moved"
	}
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := tx.Repos().Create(r); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.import", Repo: canon, Detail: how + " from " + src})
	})
	if err != nil {
		return auth.Repo{}, fmt.Errorf("repository %s: %w", canon, err)
	}
	return r, nil
}

// UnregisteredRepos lists the bare repositories on disk under the root
// that no record names: copied in by hand, say. Register one with
// `jitgit repo import`.
func (s *Service) UnregisteredRepos(ctx context.Context, actor auth.Identity) ([]string, error) {
	if err := requireAdmin(actor, "listing unregistered repositories"); err != nil {
		return nil, err
	}
	imp, ok := s.files.(RepoImporter)
	if !ok {
		return nil, nil
	}
	rs, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Repo, error) { return tx.Repos().List() })
	if err != nil {
		return nil, err
	}
	known := make([]string, len(rs))
	for i, r := range rs {
		known[i] = r.Name
	}
	slices.Sort(known)
	return imp.Unregistered(known)
}

// DescribeRepo sets a repository's description.
func (s *Service) DescribeRepo(ctx context.Context, actor auth.Identity, name, text string) (auth.Repo, error) {
	if err := requireAdmin(actor, "describing a repository"); err != nil {
		return auth.Repo{}, err
	}
	text, err := cleanText("description", text, false, 500)
	if err != nil {
		return auth.Repo{}, err
	}
	var out auth.Repo
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		r, err := tx.Repos().Get(name)
		if err != nil {
			return err
		}
		r.Description = text
		out = r
		if err := tx.Repos().Update(r); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.describe", Repo: name, Detail: text})
	})
	if err != nil {
		return auth.Repo{}, err
	}
	return out, nil
}
