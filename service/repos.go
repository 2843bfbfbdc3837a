package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// CreateRepo records a repository and creates its bare repository on disk.
// Only administrators may.
func (s *Service) CreateRepo(ctx context.Context, actor auth.Identity, name, description string) (auth.Repo, error) {
	if err := requireAdmin(actor, "creating a repository"); err != nil {
		return auth.Repo{}, err
	}
	r, err := s.newRepo(ctx, actor, name, description, nil)
	if err != nil {
		return auth.Repo{}, err
	}
	return r, s.record(ctx, actor, audit.Event{Action: "repo.create", Repo: r.Name})
}

// newRepo checks name and description, creates the bare repository and
// stores the record, which set (if not nil) completes first.
func (s *Service) newRepo(ctx context.Context, actor auth.Identity, name, description string, set func(*auth.Repo)) (auth.Repo, error) {
	canon, err := auth.CanonicalRepo(name)
	if err != nil {
		return auth.Repo{}, err
	}
	if canon != name {
		return auth.Repo{}, fmt.Errorf("%w: repository %q: write it as %s", auth.ErrInvalid, name, canon)
	}
	description, err = cleanText("description", description, false, 500)
	if err != nil {
		return auth.Repo{}, err
	}
	r := auth.Repo{Name: canon, Description: description, Created: s.now().UTC(), CreatedBy: actor.Name()}
	if set != nil {
		set(&r)
	}
	if _, err := read(ctx, s.store, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get(canon) }); err == nil {
		return auth.Repo{}, fmt.Errorf("repository %s: %w", canon, auth.ErrExists)
	} else if !errors.Is(err, auth.ErrNotFound) {
		return auth.Repo{}, err
	}
	if err := s.files.Init(ctx, canon); err != nil {
		return auth.Repo{}, err // names the repository
	}
	if err := s.store.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Create(r) }); err != nil {
		return auth.Repo{}, fmt.Errorf("repository %s: %w", canon, err)
	}
	return r, nil
}

// ListRepos returns the repositories the actor may see: all of them to
// administrators and approvers, otherwise those the actor can read now.
// Upstream passwords are redacted.
// Listing is no access, so it is not audited per repository.
func (s *Service) ListRepos(ctx context.Context, actor auth.Identity) ([]auth.Repo, error) {
	all, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Repo, error) { return tx.Repos().List() })
	if err != nil {
		return nil, err
	}
	var out []auth.Repo
	for _, r := range all {
		if actor.Admin || actor.Approver || s.authz.Decide(ctx, actor, r.Name, auth.ActionRead).Allowed {
			out = append(out, redacted(r))
		}
	}
	return out, nil
}

// Repo returns one repository if the actor may see it; otherwise the same
// not-found error as for a missing one.
func (s *Service) Repo(ctx context.Context, actor auth.Identity, name string) (auth.Repo, error) {
	r, err := read(ctx, s.store, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get(name) })
	if err != nil || actor.Admin || actor.Approver || s.authz.Decide(ctx, actor, name, auth.ActionRead).Allowed {
		return redacted(r), err
	}
	return auth.Repo{}, fmt.Errorf("repository %s: %w", name, auth.ErrNotFound)
}
