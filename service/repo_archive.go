package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// ArchiveRepo archives the repository name: from the next decision on
// nobody has any access to it, over any transport, whatever grants or
// policies say. Its files, its grants (which go on running out by
// themselves and can still be revoked) and its audit history are kept;
// new grants and requests for it are refused, and a mirror is no longer
// fetched. The reason is required; archiving an archived repository is a
// conflict. Only administrators may.
func (s *Service) ArchiveRepo(ctx context.Context, actor auth.Identity, name, reason string) (auth.Repo, error) {
	if err := requireAdmin(actor, "archiving a repository"); err != nil {
		return auth.Repo{}, err
	}
	reason, err := cleanText("reason", reason, true, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Repo{}, err
	}
	now := s.now().UTC()
	var out auth.Repo
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		r, err := tx.Repos().Get(name)
		if err != nil {
			return fmt.Errorf("repository %s: %w", name, err)
		}
		if r.IsArchived() {
			return fmt.Errorf("%w: %s has been archived since %s", auth.ErrConflict, name, r.Archived.Format(time.RFC3339))
		}
		r.Archived, r.ArchivedBy, r.ArchiveReason = now, actor.Name(), reason
		out = r
		if err := tx.Repos().Update(r); err != nil {
			return err
		}
		running, err := s.exactGrants(tx, name)
		if err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.archive", Repo: name,
			Detail: fmt.Sprintf("no access at all; %d running grants kept on the record: %s", len(running), reason)})
	})
	return redacted(out), err
}

// UnarchiveRepo ends the archive of name: decisions go back to its grants
// and policies (a grant that ran out meanwhile stays ended). Only
// administrators may; a repository that is not archived is a conflict.
func (s *Service) UnarchiveRepo(ctx context.Context, actor auth.Identity, name string) (auth.Repo, error) {
	if err := requireAdmin(actor, "unarchiving a repository"); err != nil {
		return auth.Repo{}, err
	}
	var out auth.Repo
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		r, err := tx.Repos().Get(name)
		if err != nil {
			return fmt.Errorf("repository %s: %w", name, err)
		}
		if !r.IsArchived() {
			return fmt.Errorf("%w: %s is not archived", auth.ErrConflict, name)
		}
		since := r.Archived
		r.Archived, r.ArchivedBy, r.ArchiveReason = time.Time{}, "", ""
		out = r
		if err := tx.Repos().Update(r); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.unarchive", Repo: name,
			Detail: "access by its grants and policies again; archived since " + since.Format(time.RFC3339)})
	})
	return redacted(out), err
}

// archivedError says that r is archived, so nothing can be granted on it.
func archivedError(r auth.Repo) error {
	return fmt.Errorf("%w: %s is archived: nobody has access to it (`jitgit repo unarchive %s` restores access)", auth.ErrConflict, r.Name, r.Name)
}

// refuseArchived refuses a request for repo when it is an archived
// repository; a missing one is left for the approver to see, as before.
func refuseArchived(tx storage.Tx, repo string) error {
	r, err := tx.Repos().Get(repo)
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return nil
	case err != nil:
		return err
	case r.IsArchived():
		return fmt.Errorf("%w: %s is archived: nobody has access to it, so it cannot be asked for; ask an administrator whether it should be unarchived", auth.ErrConflict, repo)
	}
	return nil
}
