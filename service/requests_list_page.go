package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// MaxRequestListPage is the most requests ListRequestPage returns at once.
const MaxRequestListPage = 5000

// requestScanBudget bounds the stored requests one ListRequestPage reads,
// as grantScanBudget does for grants.
const requestScanBudget = 50000

// requestStoreChunk is how many stored requests one read transaction holds.
const requestStoreChunk = 1000

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
		all = slices.DeleteFunc(all, func(r auth.Request) bool { return strings.Compare(r.ID, after) <= 0 || !keep(&r) })
		slices.SortFunc(all, func(a, b auth.Request) int { return strings.Compare(a.ID, b.ID) })
		if len(all) > limit {
			return all[:limit], all[limit-1].ID, nil
		}
		return all, "", nil
	}
	var out []auth.Request
	for scanned := 0; scanned < requestScanBudget; {
		chunk := min(requestStoreChunk, requestScanBudget-scanned)
		rs, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().Page(after, chunk) })
		if err != nil {
			return nil, "", err
		}
		scanned += len(rs)
		for _, r := range rs {
			after = r.ID
			if keep(&r) {
				out = append(out, r)
				if len(out) == limit {
					return out, r.ID, nil
				}
			}
		}
		if len(rs) < chunk {
			return out, "", nil
		}
	}
	return out, after, nil
}
