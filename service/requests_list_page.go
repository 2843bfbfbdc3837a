package service

import (
	"context"
	"fmt"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// MaxRequestListPage is the most requests ListRequestPage returns at once.
const MaxRequestListPage = 5000

// ListRequestPage returns at most limit requests the filter selects, with
// ids after after, in ascending id order, and the after of the next page:
// empty when the listing ends here. It reads a bounded number of stored
// requests per call, so a page may hold fewer than limit (even none)
// while next is set. Who sees what is as for ListRequests.
func (s *Service) ListRequestPage(ctx context.Context, actor auth.Identity, f RequestFilter, after string, limit int) ([]auth.Request, string, error) {
	if actor.Anonymous() && !actor.Admin {
		return nil, "", fmt.Errorf("%w: sign in to see requests", auth.ErrUnauthenticated)
	}
	if limit <= 0 || limit > MaxRequestListPage {
		return nil, "", fmt.Errorf("%w: a page holds 1 to %d requests, not %d", auth.ErrInvalid, MaxRequestListPage, limit)
	}
	mayApprove, err := s.approvable(ctx, actor)
	if err != nil {
		return nil, "", err
	}
	keep := func(r *auth.Request) bool {
		mine := r.Requester == actor.User
		switch {
		case f.Status != "" && r.Status != f.Status,
			f.Mine && !mine,
			f.User != "" && r.Requester != f.User,
			f.Repo != "" && r.Repo != f.Repo:
			return false
		}
		return mine || mayApprove(r.Repo)
	}
	if (f.Mine && actor.User != "") || f.Status != "" {
		// One requester's requests, or those in one status, come from an
		// index: few enough to sort and cut here.
		all, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Request, error) {
			if f.Mine && actor.User != "" {
				return tx.Requests().ListBy(actor.User)
			}
			return tx.Requests().ListStatus(f.Status)
		})
		if err != nil {
			return nil, "", err
		}
		page, next := pageIn(all, after, limit, requestID, keep)
		return page, next, nil
	}
	return pageOf(ctx, s.store, after, limit,
		func(tx storage.Tx, after string, n int) ([]auth.Request, error) { return tx.Requests().Page(after, n) },
		requestID, keep)
}

func requestID(r *auth.Request) string { return r.ID }
