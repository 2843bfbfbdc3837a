package service

import (
	"context"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// RepoMover renames and removes repositories on disk. server.Repos
// implements it.
type RepoMover interface {
	Rename(ctx context.Context, old, new string) error
	Remove(ctx context.Context, name string) error
}

// exactGrants returns the running grants that name repo exactly.
func (s *Service) exactGrants(tx storage.Tx, repo string) ([]auth.Grant, error) {
	all, err := tx.Grants().List()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []auth.Grant
	for _, g := range all {
		if g.Repo == repo && g.End().After(now) {
			out = append(out, g)
		}
	}
	return out, nil
}

// RenameRepo renames a repository: its record, its directory and its
// history go to the new name; the audit events stay under the old. It is
// refused while a grant naming the old name exactly runs: grants do not
// follow a rename, since whoever approved access to one name did not
// approve it to another (grants on owner/* follow whatever falls under
// them, as always).
func (s *Service) RenameRepo(ctx context.Context, actor auth.Identity, old, new string) (auth.Repo, error) {
	if err := requireAdmin(actor, "renaming a repository"); err != nil {
		return auth.Repo{}, err
	}
	mv, ok := s.files.(RepoMover)
	if !ok {
		return auth.Repo{}, fmt.Errorf("%w: this server cannot rename repositories", auth.ErrInvalid)
	}
	canon, err := auth.CanonicalRepo(new)
	if err != nil {
		return auth.Repo{}, err
	}
	if canon != new {
		return auth.Repo{}, fmt.Errorf("%w: repository %q: write it as %s", auth.ErrInvalid, new, canon)
	}
	var r auth.Repo
	check := func(tx storage.Tx) error {
		var err error
		if r, err = tx.Repos().Get(old); err != nil {
			return err
		}
		if _, err := tx.Repos().Get(new); err == nil {
			return fmt.Errorf("repository %s: %w", new, auth.ErrExists)
		}
		gs, err := s.exactGrants(tx, old)
		if err != nil {
			return err
		}
		if len(gs) > 0 {
			return fmt.Errorf("%w: %d running grants name %s, and grants do not follow a rename: revoke them (`jitgit grant revoke --repo %s`) or let them end, then grant %s", auth.ErrConflict, len(gs), old, old, new)
		}
		return nil
	}
	if err := s.store.View(ctx, check); err != nil {
		return auth.Repo{}, err
	}
	if err := mv.Rename(ctx, old, new); err != nil {
		return auth.Repo{}, err
	}
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := check(tx); err != nil {
			return err
		}
		if err := tx.Repos().Delete(old); err != nil {
			return err
		}
		r.Name = new
		if err := tx.Repos().Create(r); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.rename", Repo: old, Target: new, Detail: old + " → " + new})
	})
	if err != nil {
		if merr := mv.Rename(context.WithoutCancel(ctx), new, old); merr != nil {
			return auth.Repo{}, fmt.Errorf("rename %s: %w; moving its directory back failed too: %v", old, err, merr)
		}
		return auth.Repo{}, fmt.Errorf("rename %s: %w", old, err)
	}
	return r, nil
}

// RemoveRepo deletes a repository's record and files; its audit history
// stays. It is refused while a grant naming it exactly runs, unless force,
// which revokes those grants first.
func (s *Service) RemoveRepo(ctx context.Context, actor auth.Identity, name string, force bool) error {
	if err := requireAdmin(actor, "removing a repository"); err != nil {
		return err
	}
	mv, ok := s.files.(RepoMover)
	if !ok {
		return fmt.Errorf("%w: this server cannot remove repositories", auth.ErrInvalid)
	}
	var ended []auth.Grant
	now := s.now().UTC()
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		ended = ended[:0]
		if _, err := tx.Repos().Get(name); err != nil {
			return err
		}
		gs, err := s.exactGrants(tx, name)
		if err != nil {
			return err
		}
		if len(gs) > 0 && !force {
			return fmt.Errorf("%w: %d running grants name %s: revoke them first, or pass --force to revoke them with it", auth.ErrConflict, len(gs), name)
		}
		for _, g := range gs {
			g.Ended, g.EndedBy, g.EndNote = now, actor.Name(), "repository removed"
			if err := tx.Grants().Update(g); err != nil {
				return err
			}
			if err := ev.add(endEvent(g, "repository removed")); err != nil {
				return err
			}
			ended = append(ended, g)
		}
		if err := tx.Repos().Delete(name); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.remove", Repo: name, Detail: fmt.Sprintf("%d running grants revoked", len(ended))})
	})
	if err != nil {
		return err
	}
	return mv.Remove(ctx, name)
}
