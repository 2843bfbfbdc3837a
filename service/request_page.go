package service

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// MaxRequestPage bounds one page of RequestPage.
const MaxRequestPage = 100

// RequestPageFilter chooses one page of the requests an actor may see.
type RequestPageFilter struct {
	// Status is the state as it stands now (a pending request past its
	// lifetime is expired); empty: any.
	Status auth.RequestStatus
	Repo   string     // exact name, or a prefix ending in "/" ("acme/")
	User   string     // the requester
	Level  auth.Level // 0: any
	// Search matches, ignoring case, a part of the id, repository,
	// requester, reason or ticket.
	Search string
	// Oldest sorts oldest first (the next to lapse first); the default is
	// newest first.
	Oldest bool
	// Only the actor's own requests, or only those the actor may decide.
	Mine, Decide bool
	// After is the cursor of the last request of the previous page ("" for
	// the first): requests filed meanwhile do not shift the pages.
	After string
	Limit int // at most MaxRequestPage; 0 takes 25
}

// RequestPage is one page of requests and what an approver should know
// about each.
type RequestPage struct {
	Items []RequestItem
	Total int    // requests matching the filter, on every page
	Next  string // the cursor of the next page; "" on the last
}

// RequestItem is a request on a page.
type RequestItem struct {
	auth.Request
	Cursor string
	// CanDecide: the actor may approve or deny it (not their own).
	CanDecide bool
	// RepoMissing: the repository does not exist. Set only for whom may
	// decide the request, so a requester learns nothing from it.
	RepoMissing bool
	History     RequesterHistory
}

// RequesterHistory sums up a requester's requests of the last 30 days, as
// far as the actor may see them.
type RequesterHistory struct {
	Total, Approved, Denied, Cancelled, Expired int
}

// historyWindow is how far back a requester's history looks.
const historyWindow = 30 * 24 * time.Hour

// requestCursor is the position of r in either order: its creation time
// and id.
func requestCursor(r auth.Request) string {
	return strconv.FormatInt(r.Created.UnixNano(), 36) + "." + r.ID
}

func parseRequestCursor(s string) (int64, string, error) {
	ts, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(ts, 36, 64)
	if !ok || err != nil || id == "" {
		return 0, "", fmt.Errorf("%w: page cursor %q: start again from the first page", auth.ErrInvalid, s)
	}
	return n, id, nil
}

// newestFirst orders requests newest first, ties by id.
func newestFirst(a, b auth.Request) int {
	return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
}

// StatusAt is a request's state at now: a pending request past its
// lifetime is expired even before the sweeper marks it so.
func StatusAt(r auth.Request, now time.Time) auth.RequestStatus {
	if r.Status == auth.StatusPending && !now.Before(r.Expires) {
		return auth.StatusExpired
	}
	return r.Status
}

// RequestPage returns one page of the requests the actor may see (their
// own, and those they may approve) that match f. It streams the requests
// through a selection of the page's size, so its memory does not grow with
// the number of requests.
func (s *Service) RequestPage(ctx context.Context, actor auth.Identity, f RequestPageFilter) (RequestPage, error) {
	if actor.Anonymous() && !actor.Admin {
		return RequestPage{}, fmt.Errorf("%w: sign in to see requests", auth.ErrUnauthenticated)
	}
	if f.Limit <= 0 {
		f.Limit = 25
	}
	f.Limit = min(f.Limit, MaxRequestPage)
	var curAt int64
	var curID string
	if f.After != "" {
		var err error
		if curAt, curID, err = parseRequestCursor(f.After); err != nil {
			return RequestPage{}, err
		}
	}
	order := newestFirst
	if f.Oldest {
		order = func(a, b auth.Request) int { return newestFirst(b, a) }
	}
	mayApprove, err := s.approvable(ctx, actor)
	if err != nil {
		return RequestPage{}, err
	}
	search := strings.ToLower(strings.TrimSpace(f.Search))
	now := s.now()
	cursor := auth.Request{ID: curID, Created: time.Unix(0, curAt)}
	var page RequestPage
	var best []auth.Request // the first f.Limit+1 after the cursor, once sorted
	trim := func() {
		slices.SortFunc(best, order)
		best = best[:min(len(best), f.Limit+1)]
	}
	err = s.store.View(ctx, func(tx storage.Tx) error {
		return tx.Requests().Scan(func(r auth.Request) bool {
			mine := r.Requester == actor.User
			decide := !mine && mayApprove(r.Repo)
			switch {
			case !mine && !decide:
			case f.Mine && !mine, f.Decide && !decide:
			case f.Status != "" && StatusAt(r, now) != f.Status:
			case f.User != "" && r.Requester != f.User:
			case f.Level != 0 && r.Level != f.Level:
			case f.Repo != "" && r.Repo != f.Repo && !(strings.HasSuffix(f.Repo, "/") && strings.HasPrefix(r.Repo, f.Repo)):
			case search != "" && !matchesSearch(r, search):
			default:
				page.Total++
				if f.After == "" || order(cursor, r) < 0 {
					if best = append(best, r); len(best) > 4*(f.Limit+1) {
						trim()
					}
				}
			}
			return ctx.Err() == nil
		})
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return RequestPage{}, fmt.Errorf("requests: %w", err)
	}
	trim()
	if len(best) > f.Limit {
		best = best[:f.Limit]
		page.Next = requestCursor(best[len(best)-1])
	}
	for _, r := range best {
		mine := r.Requester == actor.User
		page.Items = append(page.Items, RequestItem{Request: r, Cursor: requestCursor(r), CanDecide: !mine && mayApprove(r.Repo)})
	}
	if err := s.fillItems(ctx, actor, page.Items, mayApprove); err != nil {
		return RequestPage{}, err
	}
	return page, nil
}

func matchesSearch(r auth.Request, q string) bool {
	for _, s := range []string{r.ID, r.Repo, r.Requester, r.Reason, r.Ticket} {
		if strings.Contains(strings.ToLower(s), q) {
			return true
		}
	}
	return false
}

// fillItems adds the requesters' histories and marks requests for
// repositories that do not exist, for whom may decide them.
func (s *Service) fillItems(ctx context.Context, actor auth.Identity, items []RequestItem, mayApprove func(string) bool) error {
	if len(items) == 0 {
		return nil
	}
	hist := map[string]*RequesterHistory{}
	for _, it := range items {
		hist[it.Requester] = &RequesterHistory{}
	}
	now := s.now()
	from := now.Add(-historyWindow)
	return s.store.View(ctx, func(tx storage.Tx) error {
		for i := range items {
			if !items[i].CanDecide {
				continue
			}
			if _, err := tx.Repos().Get(items[i].Repo); errors.Is(err, auth.ErrNotFound) {
				items[i].RepoMissing = true
			} else if err != nil {
				return err
			}
		}
		err := tx.Requests().Scan(func(r auth.Request) bool {
			h := hist[r.Requester]
			if h == nil || r.Created.Before(from) || (r.Requester != actor.User && !mayApprove(r.Repo)) {
				return true
			}
			h.Total++
			switch StatusAt(r, now) {
			case auth.StatusApproved:
				h.Approved++
			case auth.StatusDenied:
				h.Denied++
			case auth.StatusCancelled:
				h.Cancelled++
			case auth.StatusExpired:
				h.Expired++
			}
			return ctx.Err() == nil
		})
		if err != nil {
			return err
		}
		for i := range items {
			items[i].History = *hist[items[i].Requester]
		}
		return ctx.Err()
	})
}

// approvable returns whether the actor may approve requests for a
// repository, reading the actor's policies once.
func (s *Service) approvable(ctx context.Context, actor auth.Identity) (func(repo string) bool, error) {
	if actor.Anonymous() && !actor.Admin {
		return func(string) bool { return false }, nil
	}
	if actor.Admin || actor.Approver {
		return func(string) bool { return true }, nil
	}
	ps, err := s.store.PoliciesFor(ctx, actor.Principals())
	if err != nil {
		return nil, fmt.Errorf("policies of %s: %w", actor.Name(), err)
	}
	var pats []string
	for _, p := range ps {
		if p.Approve && p.Effect == auth.Allow {
			pats = append(pats, p.Repos...)
		}
	}
	return func(repo string) bool {
		return slices.ContainsFunc(pats, func(pat string) bool { return auth.RepoMatches(pat, repo) })
	}, nil
}
