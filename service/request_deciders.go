package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// Deciders are who may approve or deny a request: users by name (the
// requester left out, who may not decide their own) and groups whose
// members may. Everyone lists approver policies whose subject is every
// signed-in user, or anyone.
type Deciders struct {
	Users    []string
	Groups   []string
	Everyone bool
}

// RequestDeciders returns who may decide request id, and whether its
// repository is missing; the latter only to an actor who may decide it, so
// the requester's page is the same either way. The actor must be able to
// see the request.
func (s *Service) RequestDeciders(ctx context.Context, actor auth.Identity, id string) (Deciders, bool, error) {
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return Deciders{}, false, err
	}
	var d Deciders
	missing := false
	decides := r.Requester != actor.User && s.CanApprove(ctx, actor, r.Repo)
	err = s.store.View(ctx, func(tx storage.Tx) error {
		us, err := tx.Users().List()
		if err != nil {
			return err
		}
		ps, err := tx.Policies().List()
		if err != nil {
			return err
		}
		users := map[string]bool{}
		for _, u := range us {
			if !u.Disabled && (u.Admin || u.Approver) {
				users[u.Name] = true
			}
		}
		for _, p := range ps {
			if !p.Approve || p.Effect != auth.Allow || !slices.ContainsFunc(p.Repos, func(pat string) bool { return auth.RepoMatches(pat, r.Repo) }) {
				continue
			}
			for _, sub := range p.Subjects {
				switch {
				case strings.HasPrefix(sub, "user:"):
					users[strings.TrimPrefix(sub, "user:")] = true
				case strings.HasPrefix(sub, "group:"):
					d.Groups = append(d.Groups, strings.TrimPrefix(sub, "group:"))
				case sub == auth.PrincipalUsers || sub == auth.PrincipalAnyone:
					d.Everyone = true
				}
			}
		}
		delete(users, r.Requester)
		for u := range users {
			d.Users = append(d.Users, u)
		}
		if decides {
			if _, err := tx.Repos().Get(r.Repo); errors.Is(err, auth.ErrNotFound) {
				missing = true
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Deciders{}, false, fmt.Errorf("deciders of request %s: %w", id, err)
	}
	slices.Sort(d.Users)
	slices.Sort(d.Groups)
	d.Groups = slices.Compact(d.Groups)
	return d, missing, nil
}
