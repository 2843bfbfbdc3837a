package service

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// RepoPurger removes from a repository on disk everything no ref reaches:
// it expires the reflogs and prunes unreachable objects now.
// server.Repos implements it.
type RepoPurger interface {
	Purge(ctx context.Context, name string) (PurgeResult, error)
}

// PurgeResult is what a purge removed: loose and packed objects counted
// before and after.
type PurgeResult struct {
	ObjectsBefore int64
	ObjectsAfter  int64
}

// PurgeRepo expires the reflogs of repository name and prunes every
// object no ref reaches, so that a commit force-pushed away (a leaked
// secret) is gone from the server, not only hidden from fetches. Only
// administrators may; it is audited as repo.purge with the counts.
func (s *Service) PurgeRepo(ctx context.Context, actor auth.Identity, name string, p RepoPurger) (PurgeResult, error) {
	if err := requireAdmin(actor, "purging a repository"); err != nil {
		return PurgeResult{}, err
	}
	canon, err := auth.CanonicalRepo(name)
	if err != nil {
		return PurgeResult{}, err
	}
	if _, err := read(ctx, s.store, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get(canon) }); err != nil {
		return PurgeResult{}, fmt.Errorf("repository %s: %w", canon, err)
	}
	if p == nil {
		return PurgeResult{}, fmt.Errorf("%w: this server cannot purge repositories", auth.ErrInvalid)
	}
	res, err := p.Purge(ctx, canon)
	if err != nil {
		return PurgeResult{}, fmt.Errorf("purge %s: %w", canon, err)
	}
	ev := audit.Event{Action: "repo.purge", Repo: canon,
		Detail: "objects " + strconv.FormatInt(res.ObjectsBefore, 10) + " -> " + strconv.FormatInt(res.ObjectsAfter, 10)}
	return res, s.record(ctx, actor, ev)
}
