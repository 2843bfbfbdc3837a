package service

import (
	"context"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// AddProtection stores a protection rule made by an administrator; the
// next push sees it. A rule of the config file cannot be replaced here.
func (s *Service) AddProtection(ctx context.Context, actor auth.Identity, p auth.Protection) (auth.Protection, error) {
	if err := requireAdmin(actor, "protecting refs"); err != nil {
		return auth.Protection{}, err
	}
	p, err := cleanProtection(p, actor.Name())
	if err != nil {
		return auth.Protection{}, err
	}
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		all, err := tx.Protections().List()
		if err != nil {
			return err
		}
		for _, q := range all {
			if q.ID == p.ID {
				return fmt.Errorf("%w: protection rule %q exists (from %s); remove it first", auth.ErrExists, p.ID, q.Source)
			}
		}
		if err := tx.Protections().Put(p); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "protect.add", Repo: p.Repo, Target: p.Ref, Policy: p.ID,
			Detail: "forbids " + p.Forbid.String() + " with plain write access"})
	})
	if err != nil {
		return auth.Protection{}, err
	}
	return p, nil
}

// RemoveProtection deletes a protection rule an administrator made; a rule
// of the config file goes only with its entry in the file.
func (s *Service) RemoveProtection(ctx context.Context, actor auth.Identity, id string) error {
	if err := requireAdmin(actor, "removing a protection rule"); err != nil {
		return err
	}
	var p auth.Protection
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		all, err := tx.Protections().List()
		if err != nil {
			return err
		}
		p = auth.Protection{}
		for _, q := range all {
			if q.ID == id {
				p = q
			}
		}
		switch {
		case p.ID == "":
			return fmt.Errorf("%w: no protection rule %q", auth.ErrNotFound, auth.Printable(id))
		case p.Source == SourceConfig:
			return fmt.Errorf("%w: protection rule %q comes from the config file; remove it there", auth.ErrInvalid, id)
		}
		if err := tx.Protections().Delete(id); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "protect.remove", Repo: p.Repo, Target: p.Ref, Policy: p.ID,
			Detail: "forbade " + p.Forbid.String()})
	})
	return err
}

// Protections lists the protection rules, sorted by id.
func (s *Service) Protections(ctx context.Context) ([]auth.Protection, error) {
	return read(ctx, s.store, func(tx storage.Tx) ([]auth.Protection, error) { return tx.Protections().List() })
}

// SourceConfig is the source of the rules and policies of the config file.
const SourceConfig = "config"

// SyncProtections makes the stored rules of the config file equal to ps,
// as SyncPolicies does for policies. A rule an administrator made with
// the id of one in the file is replaced by the file's.
func (s *Service) SyncProtections(ctx context.Context, ps []auth.Protection) error {
	seen := map[string]bool{}
	for i, p := range ps {
		p, err := cleanProtection(p, SourceConfig)
		if err != nil {
			return err
		}
		if seen[p.ID] {
			return fmt.Errorf("%w: protection rule %q is defined twice", auth.ErrInvalid, p.ID)
		}
		seen[p.ID] = true
		ps[i] = p
	}
	return syncConfig(ctx, s, SourceConfig, ps, configRecords[auth.Protection]{
		kind:     "protect",
		id:       func(p auth.Protection) string { return p.ID },
		source:   func(p auth.Protection) string { return p.Source },
		list:     func(tx storage.Tx) ([]auth.Protection, error) { return tx.Protections().List() },
		put:      func(tx storage.Tx, p auth.Protection) error { return tx.Protections().Put(p) },
		del:      func(tx storage.Tx, id string) error { return tx.Protections().Delete(id) },
		describe: describeProtection,
	})
}

// cleanProtection validates p, makes its repository pattern canonical and
// sets its source.
func cleanProtection(p auth.Protection, source string) (auth.Protection, error) {
	p.Source = source
	if p.Repo != "*" {
		repo, err := auth.CanonicalRepoPattern(p.Repo)
		if err != nil {
			return auth.Protection{}, fmt.Errorf("protection rule %q: %w", p.ID, err)
		}
		p.Repo = repo
	}
	desc, err := cleanText("description", p.Description, false, 200)
	if err != nil {
		return auth.Protection{}, err
	}
	p.Description = desc
	return p, p.Validate()
}
