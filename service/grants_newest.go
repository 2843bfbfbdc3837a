package service

import (
	"cmp"
	"context"
	"slices"

	"github.com/jitgit/jitgit/auth"
)

// NewestGrants returns the n newest of the grants the filter selects,
// newest first, as ListGrants would begin, while holding only n of them
// and one page: the administrators' grant page shows a few hundred of
// what may be millions.
func (s *Service) NewestGrants(ctx context.Context, actor auth.Identity, f GrantFilter, n int) ([]auth.Grant, error) {
	newer := func(a, b auth.Grant) int { return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID)) }
	var keep []auth.Grant // newest first, at most n
	after := ""
	for {
		gs, next, err := s.ListGrantPage(ctx, actor, f, after, storeChunk)
		if err != nil {
			return nil, err
		}
		keep = append(keep, gs...)
		slices.SortFunc(keep, newer)
		if len(keep) > n {
			keep = slices.Clip(keep[:n])
		}
		if next == "" {
			return keep, nil
		}
		after = next
	}
}
