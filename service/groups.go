package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// Group is a group and its members. A group exists while a user is in it.
type Group struct {
	Name    string
	Members []string // sorted
}

// Groups returns every group with its members, sorted by name. Administrators
// and approvers may list them.
func (s *Service) Groups(ctx context.Context, actor auth.Identity) ([]Group, error) {
	if !actor.Admin && !actor.Approver {
		return nil, fmt.Errorf("%w: listing groups needs an administrator or approver", auth.ErrForbidden)
	}
	users, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.User, error) { return tx.Users().List() })
	if err != nil {
		return nil, err
	}
	members := map[string][]string{}
	for _, u := range users {
		for _, g := range u.Groups {
			members[g] = append(members[g], u.Name)
		}
	}
	out := make([]Group, 0, len(members))
	for g, ms := range members {
		slices.Sort(ms)
		out = append(out, Group{Name: g, Members: ms})
	}
	slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// SetMembership adds the users to group (add) or takes them out of it, in
// one transaction: all of them or none (an unknown user changes nothing).
// A user already in (or not in) the group is left alone. The change counts
// from the next Git operation, which reads the user's groups afresh. It
// returns the users it changed; each change is recorded.
func (s *Service) SetMembership(ctx context.Context, actor auth.Identity, group string, users []string, add bool) ([]string, error) {
	if err := requireAdmin(actor, "changing a group"); err != nil {
		return nil, err
	}
	if err := auth.ValidateUserName(group); err != nil {
		return nil, fmt.Errorf("group: %w", err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%w: name at least one user", auth.ErrInvalid)
	}
	var changed []string
	action := "group.add_member"
	if !add {
		action = "group.remove_member"
	}
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		changed = changed[:0]
		for _, name := range users {
			u, err := tx.Users().Get(name)
			if err != nil {
				return fmt.Errorf("user %s: %w", name, err)
			}
			in := slices.Contains(u.Groups, group)
			switch {
			case add && !in:
				u.Groups = append(u.Groups, group)
			case !add && in:
				u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == group })
			default:
				continue
			}
			if err := tx.Users().Update(u); err != nil {
				return err
			}
			if err := ev.add(audit.Event{Action: action, Target: name, Detail: "group " + group}); err != nil {
				return err
			}
			changed = append(changed, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}
