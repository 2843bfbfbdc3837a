package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// NewGrant describes a grant an administrator makes directly.
type NewGrant struct {
	Subject  string // "user:NAME" or "group:NAME"
	Repo     string // exact name or owner/*
	Level    Level
	Duration time.Duration
	Reason   string
	Origin   Origin // admin (default) or bulk
}

// AddGrant makes a grant starting now. The subject user and an exact
// repository must exist; the duration must be within the longest grant.
func (s *Service) AddGrant(ctx context.Context, actor Identity, ng NewGrant) (Grant, error) {
	if err := requireAdmin(actor, "granting access"); err != nil {
		return Grant{}, err
	}
	g, err := s.checkGrant(ctx, actor, ng)
	if err != nil {
		return Grant{}, err
	}
	return g, s.storeGrant(ctx, actor, g, "")
}

// AddGrants makes a batch of grants, all starting now, with origin bulk. It
// checks every entry first and makes none when any is wrong; the error
// names the entry (counting from 1).
func (s *Service) AddGrants(ctx context.Context, actor Identity, ngs []NewGrant) ([]Grant, error) {
	if err := requireAdmin(actor, "granting access"); err != nil {
		return nil, err
	}
	if len(ngs) == 0 || len(ngs) > 10000 {
		return nil, fmt.Errorf("%w: a batch holds 1 to 10000 grants", ErrInvalid)
	}
	gs := make([]Grant, len(ngs))
	for i, ng := range ngs {
		ng.Origin = OriginBulk
		g, err := s.checkGrant(ctx, actor, ng)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		gs[i] = g
	}
	batch := NewID("b_")
	for i, g := range gs {
		if err := s.storeGrant(ctx, actor, g, batch); err != nil {
			return gs[:i], fmt.Errorf("entry %d: %w (entries before it were granted)", i+1, err)
		}
	}
	return gs, nil
}

// checkGrant validates a new grant and builds it, starting now.
func (s *Service) checkGrant(ctx context.Context, actor Identity, ng NewGrant) (Grant, error) {
	if err := s.checkSubject(ctx, ng.Subject); err != nil {
		return Grant{}, err
	}
	repo, err := s.checkRepoPattern(ctx, ng.Repo)
	if err != nil {
		return Grant{}, err
	}
	if ng.Level < LevelRead || ng.Level > LevelAdmin {
		return Grant{}, fmt.Errorf("%w: access level: use read, write or admin", ErrInvalid)
	}
	if ng.Duration <= 0 || ng.Duration > s.cfg.MaxGrant {
		return Grant{}, fmt.Errorf("%w: duration must be longer than zero and at most %s", ErrInvalid, FormatDuration(s.cfg.MaxGrant))
	}
	reason, err := cleanText("reason", ng.Reason, false, s.cfg.MaxReason)
	if err != nil {
		return Grant{}, err
	}
	origin := ng.Origin
	if origin == "" {
		origin = OriginAdmin
	}
	now := s.now().UTC()
	g := Grant{
		ID: NewID("g_"), Subject: ng.Subject, Repo: repo, Level: ng.Level, Starts: now, Expires: now.Add(ng.Duration),
		Reason: reason, Origin: origin, CreatedBy: actor.Name(), Created: now,
	}
	return g, nil
}

// storeGrant stores a checked grant and audits it.
func (s *Service) storeGrant(ctx context.Context, actor Identity, g Grant, batch string) error {
	if err := s.store.CreateGrant(ctx, g); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	detail := fmt.Sprintf("%s for %s: %s", g.Level, FormatDuration(g.Expires.Sub(g.Starts)), g.Reason)
	if batch != "" {
		detail = "batch " + batch + ": " + detail
	}
	return s.record(ctx, actor, Event{Action: "grant.create", Repo: g.Repo, Target: g.Subject, Grant: g.ID, Detail: detail})
}

func (s *Service) checkSubject(ctx context.Context, subject string) error {
	if err := ValidatePrincipal(subject); err != nil {
		return err
	}
	kind, name, _ := strings.Cut(subject, ":")
	switch kind {
	case "user":
		if _, err := s.store.GetUser(ctx, name); err != nil {
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: no user %q; add it first with `jitgit user add %s`", ErrInvalid, name, name)
			}
			return err
		}
	case "group":
	default:
		return fmt.Errorf("%w: grants name a user or a group, not %q", ErrInvalid, subject)
	}
	return nil
}

func (s *Service) checkRepoPattern(ctx context.Context, pattern string) (string, error) {
	repo, err := CanonicalRepoPattern(pattern)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(repo, "/*") {
		return repo, nil
	}
	if repo != pattern && repo+".git" != pattern {
		return "", fmt.Errorf("%w: repository %q: write it as %s", ErrInvalid, pattern, repo)
	}
	if _, err := s.store.GetRepo(ctx, repo); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("%w: no repository %s; create it first with `jitgit repo create %s`", ErrInvalid, repo, repo)
		}
		return "", err
	}
	return repo, nil
}

// GrantFilter narrows ListGrants.
type GrantFilter struct {
	User string // grants whose subject is this user or one of its groups
	Repo string // grants covering this repository
	All  bool   // include ended grants
}

// ListGrants returns grants, newest first. Administrators and approvers see
// everyone's; others only their own (and their groups').
func (s *Service) ListGrants(ctx context.Context, actor Identity, f GrantFilter) ([]Grant, error) {
	if !actor.Admin && !actor.Approver {
		if f.User != "" && f.User != actor.User {
			return nil, fmt.Errorf("%w: you can list only your own grants", ErrForbidden)
		}
		f.User = actor.User
	}
	var subjects []string
	if f.User != "" {
		u, err := s.store.GetUser(ctx, f.User)
		if err != nil {
			return nil, fmt.Errorf("user %s: %w", f.User, err)
		}
		subjects = append(subjects, UserPrincipal(u.Name))
		for _, g := range u.Groups {
			subjects = append(subjects, GroupPrincipal(g))
		}
	}
	now := s.now()
	var all []Grant
	var err error
	if subjects != nil && !f.All {
		// One user's running grants come from the subject index, not from
		// every grant ever made.
		all, err = s.store.GrantsFor(ctx, subjects, now)
		slices.SortFunc(all, func(a, b Grant) int { return b.Created.Compare(a.Created) })
	} else {
		all, err = s.store.ListGrants(ctx)
	}
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, g := range all {
		switch {
		case !f.All && !g.End().After(now):
		case subjects != nil && !slices.Contains(subjects, g.Subject):
		case f.Repo != "" && !RepoMatches(g.Repo, f.Repo) && g.Repo != f.Repo:
		default:
			out = append(out, g)
		}
	}
	return out, nil
}

// Grant returns one grant, if the actor may see it.
func (s *Service) Grant(ctx context.Context, actor Identity, id string) (Grant, error) {
	g, err := s.store.GetGrant(ctx, id)
	if err != nil {
		return Grant{}, fmt.Errorf("grant %s: %w", id, err)
	}
	if !actor.Admin && !actor.Approver && g.Subject != UserPrincipal(actor.User) {
		return Grant{}, fmt.Errorf("grant %s: %w", id, ErrNotFound)
	}
	return g, nil
}

// RevokeGrant ends a grant now. Only administrators may.
func (s *Service) RevokeGrant(ctx context.Context, actor Identity, id, note string) (Grant, error) {
	if err := requireAdmin(actor, "revoking a grant"); err != nil {
		return Grant{}, err
	}
	return s.endGrant(ctx, actor, id, note, "grant.revoke", func(*Grant) error { return nil })
}

// RelinquishGrant lets a user end their own grant early ("I'm done").
func (s *Service) RelinquishGrant(ctx context.Context, actor Identity, id string) (Grant, error) {
	return s.endGrant(ctx, actor, id, "relinquished", "grant.relinquish", func(g *Grant) error {
		if actor.Anonymous() || g.Subject != UserPrincipal(actor.User) {
			return fmt.Errorf("grant %s: %w: only its user can relinquish a grant", id, ErrForbidden)
		}
		return nil
	})
}

func (s *Service) endGrant(ctx context.Context, actor Identity, id, note, action string, may func(*Grant) error) (Grant, error) {
	note, err := cleanText("note", note, false, s.cfg.MaxReason)
	if err != nil {
		return Grant{}, err
	}
	now := s.now().UTC()
	var out Grant
	err = s.store.UpdateGrant(ctx, id, func(g *Grant) error {
		if err := may(g); err != nil {
			return err
		}
		if !g.End().After(now) {
			return fmt.Errorf("grant %s: %w: it already ended at %s", id, ErrConflict, g.End().Format(time.RFC3339))
		}
		g.Ended, g.EndedBy, g.EndNote = now, actor.Name(), note
		out = *g
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Grant{}, fmt.Errorf("grant %s: %w", id, ErrNotFound)
		}
		return Grant{}, err
	}
	return out, s.record(ctx, actor, Event{Action: action, Repo: out.Repo, Target: out.Subject, Grant: id, Detail: note})
}

// Check answers "may user do level on repo?" for an administrator or
// approver, without the user doing anything. The question is audited as
// access.check; it is not an access.
func (s *Service) Check(ctx context.Context, actor Identity, user, repo string, level Level) (Decision, error) {
	if !actor.Admin && !actor.Approver && actor.User != user {
		return Decision{}, fmt.Errorf("%w: checking another user's access needs an administrator", ErrForbidden)
	}
	var who Identity
	if user != "" && user != "anonymous" {
		u, err := s.store.GetUser(ctx, user)
		if err != nil {
			return Decision{}, fmt.Errorf("%w: no user %q", ErrNotFound, user)
		}
		who = Identity{User: u.Name, Groups: u.Groups, Admin: u.Admin, Approver: u.Approver, Method: "check"}
		if u.Disabled {
			who.Method = "disabled"
		}
	}
	if _, err := CanonicalRepo(repo); err != nil {
		return Decision{}, err
	}
	d := s.authz.Decide(ctx, who, repo, level)
	if who.Method == "disabled" {
		d = Decision{Level: level, Reason: fmt.Sprintf("%s is disabled: nothing they hold works until an administrator enables them", user)}
	}
	res := "deny"
	if d.Allowed {
		res = "allow"
	}
	return d, s.record(ctx, actor, Event{Action: "access.check", Repo: repo, Target: who.Name(), Result: res, Grant: d.Grant, Policy: d.Policy, Detail: d.Reason})
}
