package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// MaxGrantPage is the most grants ListGrantPage returns at once.
const MaxGrantPage = 10000

// ListGrantPage returns at most limit grants the filter selects, with ids
// after after, in ascending id order, and the after of the next page:
// empty when the listing ends here. It reads a bounded number of stored
// grants per call, so a page may hold fewer than limit grants (even none)
// while next is set; a caller follows next until it is empty. Who sees
// what is as for ListGrants.
func (s *Service) ListGrantPage(ctx context.Context, actor auth.Identity, f GrantFilter, after string, limit int) ([]auth.Grant, string, error) {
	if limit <= 0 || limit > MaxGrantPage {
		return nil, "", fmt.Errorf("%w: a page holds 1 to %d grants, not %d", auth.ErrInvalid, MaxGrantPage, limit)
	}
	subjects, f, err := s.grantSubjects(ctx, actor, f)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	if subjects != nil && !f.All {
		// One user's running grants come from the subject index: few, so
		// they are sorted and cut here.
		all, err := s.store.GrantsFor(ctx, subjects, now)
		if err != nil {
			return nil, "", err
		}
		page, next := pageIn(all, after, limit, grantID, func(g *auth.Grant) bool { return f.matches(g, now) })
		return page, next, nil
	}
	return pageOf(ctx, s.store, after, limit,
		func(tx storage.Tx, after string, n int) ([]auth.Grant, error) { return tx.Grants().Page(after, n) },
		grantID, func(g *auth.Grant) bool {
			return (subjects == nil || slices.Contains(subjects, g.Subject)) && f.matches(g, now)
		})
}

// grantSubjects applies who may see what to f, and returns the subjects
// of f.User (the user and its groups), nil when f names no user.
func (s *Service) grantSubjects(ctx context.Context, actor auth.Identity, f GrantFilter) ([]string, GrantFilter, error) {
	if !actor.Admin && !actor.Approver && !actor.Auditor {
		if f.User != "" && f.User != actor.User {
			return nil, f, fmt.Errorf("%w: you can list only your own grants", auth.ErrForbidden)
		}
		f.User = actor.User
	}
	if f.User == "" {
		return nil, f, nil
	}
	u, err := s.user(ctx, f.User)
	if err != nil {
		return nil, f, fmt.Errorf("user %s: %w", f.User, err)
	}
	subjects := []string{auth.UserPrincipal(u.Name)}
	for _, g := range u.Groups {
		subjects = append(subjects, auth.GroupPrincipal(g))
	}
	return subjects, f, nil
}

func grantID(g *auth.Grant) string { return g.ID }
