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
	return s.newRepo(ctx, actor, name, description, nil, audit.Event{Action: "repo.create"})
}

// newRepo checks name and description, creates the bare repository and
// stores the record, which set (if not nil) completes first, with the
// audit event ev (its Repo set to the name). It is all or nothing: the
// repository is built where clients cannot reach it, the record and event
// commit together, and only then does the repository move into place; a
// failed record removes it again, and a server that stopped in between
// finishes or removes it at start (server.Repos.RecoverStaged).
func (s *Service) newRepo(ctx context.Context, actor auth.Identity, name, description string, set func(*auth.Repo), ev audit.Event) (auth.Repo, error) {
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
	if err := s.files.Stage(ctx, canon); err != nil {
		return auth.Repo{}, err // names the repository
	}
	ev.Repo = canon
	err = s.update(ctx, actor, func(tx storage.Tx, evs *changeEvents) error {
		if err := tx.Repos().Create(r); err != nil {
			return err
		}
		return evs.add(ev)
	})
	if err != nil {
		return auth.Repo{}, errors.Join(fmt.Errorf("repository %s: %w", canon, err), s.files.Discard(canon))
	}
	if err := s.files.Publish(canon); err != nil {
		return auth.Repo{}, fmt.Errorf("%w (the record is stored; the server finishes this at its next start)", err)
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
