package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// NewGrant describes a grant an administrator makes directly.
type NewGrant struct {
	Subject  string // "user:NAME" or "group:NAME"
	Repo     string // exact name or owner/*
	Level    auth.Level
	Ref      string       // optional ref pattern: the grant covers and names only these refs
	Allow    auth.Changes // what it allows on Ref beyond plain writes: force, delete
	Duration time.Duration
	Reason   string
	Origin   auth.Origin // admin (default) or bulk
	// BreakGlass lets an administrator grant themselves (or a group they
	// are in) access that needs approval; Reason is then required, and the
	// grant is recorded as grant.break_glass, which every webhook
	// subscribed to grant. events hears.
	BreakGlass bool
}

// AddGrant makes a grant starting now. The subject user and an exact
// repository must exist; the duration must be within the longest grant.
func (s *Service) AddGrant(ctx context.Context, actor auth.Identity, ng NewGrant) (auth.Grant, error) {
	if err := requireAdmin(actor, "granting access"); err != nil {
		return auth.Grant{}, err
	}
	// The subject and repository are checked in the transaction that
	// stores the grant, so neither is removed in between.
	if ng.BreakGlass {
		if _, err := cleanText("reason", ng.Reason, true, s.cfg.Load().MaxReason); err != nil {
			return auth.Grant{}, fmt.Errorf("break-glass needs a reason: %w", err)
		}
	}
	var g auth.Grant
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		var err error
		if g, err = s.checkGrant(tx, actor, ng); err != nil {
			return err
		}
		if err := s.checkDuties(tx, actor, g, ng.BreakGlass); err != nil {
			return err
		}
		if err := tx.Grants().Create(g); err != nil {
			return fmt.Errorf("grant: %w", err)
		}
		if ng.BreakGlass {
			return ev.add(audit.Event{Action: "grant.break_glass", Repo: g.Repo, Target: g.Subject, Grant: g.ID,
				Detail: fmt.Sprintf("BREAK-GLASS %s for %s: %s", g.Level, auth.FormatDuration(g.Expires.Sub(g.Starts)), g.Reason)})
		}
		return ev.add(grantEvent(g, ""))
	})
	if err != nil {
		return auth.Grant{}, err
	}
	return g, nil
}

// checkDuties refuses an administrator granting themselves, or a group
// they are in, access to a repository that needs approval, unless it is
// break-glass.
func (s *Service) checkDuties(tx storage.Tx, actor auth.Identity, g auth.Grant, breakGlass bool) error {
	if breakGlass || !slices.Contains(actor.Principals(), g.Subject) {
		return nil
	}
	ps, err := tx.Policies().List()
	if err != nil {
		return err
	}
	if needsApproval(ps, g.Repo) {
		return fmt.Errorf("%w: %s is you (or a group you are in) and %s needs approval: file a request like everyone else (`jitgit request create`), or in an emergency use --break-glass --reason TEXT, which tells everyone", auth.ErrForbidden, g.Subject, g.Repo)
	}
	return nil
}

// AddGrants makes a batch of grants, all starting now, with origin bulk. It
// checks every entry first and makes none when any is wrong; the error
// names the entry (counting from 1).
func (s *Service) AddGrants(ctx context.Context, actor auth.Identity, ngs []NewGrant) ([]auth.Grant, error) {
	if err := requireAdmin(actor, "granting access"); err != nil {
		return nil, err
	}
	if len(ngs) == 0 || len(ngs) > 10000 {
		return nil, fmt.Errorf("%w: a batch holds 1 to 10000 grants", auth.ErrInvalid)
	}
	gs := make([]auth.Grant, len(ngs))
	err := s.store.View(ctx, func(tx storage.Tx) error {
		for i, ng := range ngs {
			ng.Origin = auth.OriginBulk
			g, err := s.checkGrant(tx, actor, ng)
			if err != nil {
				return fmt.Errorf("entry %d: %w", i+1, err)
			}
			gs[i] = g
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	batch := secret.NewID("b_")
	for i, g := range gs {
		err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
			if err := tx.Grants().Create(g); err != nil {
				return err
			}
			return ev.add(grantEvent(g, batch))
		})
		if err != nil {
			return gs[:i], fmt.Errorf("entry %d: grant: %w (entries before it were granted)", i+1, err)
		}
	}
	return gs, nil
}

// checkGrant validates a new grant against tx and builds it, starting now.
func (s *Service) checkGrant(tx storage.Tx, actor auth.Identity, ng NewGrant) (auth.Grant, error) {
	if err := checkSubject(tx, ng.Subject); err != nil {
		return auth.Grant{}, err
	}
	repo, err := checkRepoPattern(tx, ng.Repo)
	if err != nil {
		return auth.Grant{}, err
	}
	if ng.Level < auth.LevelRead || ng.Level > auth.LevelAdmin {
		return auth.Grant{}, fmt.Errorf("%w: access level: use read, write or admin", auth.ErrInvalid)
	}
	ref, err := checkRefScope(ng.Level, ng.Ref, ng.Allow)
	if err != nil {
		return auth.Grant{}, err
	}
	if ng.Duration <= 0 || ng.Duration > s.cfg.Load().MaxGrant {
		return auth.Grant{}, fmt.Errorf("%w: duration must be longer than zero and at most %s", auth.ErrInvalid, auth.FormatDuration(s.cfg.Load().MaxGrant))
	}
	reason, err := cleanText("reason", ng.Reason, false, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Grant{}, err
	}
	origin := ng.Origin
	if origin == "" {
		origin = auth.OriginAdmin
	}
	now := s.now().UTC()
	g := auth.Grant{
		ID: secret.NewID("g_"), Subject: ng.Subject, Repo: repo, Level: ng.Level, Ref: ref, Allow: ng.Allow, Starts: now, Expires: now.Add(ng.Duration),
		Reason: reason, Origin: origin, CreatedBy: actor.Name(), Created: now,
	}
	return g, nil
}

// grantEvent is the audit event of a new grant.
func grantEvent(g auth.Grant, batch string) audit.Event {
	detail := fmt.Sprintf("%s%s for %s: %s", g.Level, refScope(g.Ref, g.Allow), auth.FormatDuration(g.Expires.Sub(g.Starts)), g.Reason)
	if batch != "" {
		detail = "batch " + batch + ": " + detail
	}
	return audit.Event{Action: "grant.create", Repo: g.Repo, Target: g.Subject, Grant: g.ID, Detail: detail}
}

func checkSubject(tx storage.Tx, subject string) error {
	if err := auth.ValidatePrincipal(subject); err != nil {
		return err
	}
	kind, name, _ := strings.Cut(subject, ":")
	switch kind {
	case "user":
		if _, err := tx.Users().Get(name); err != nil {
			if errors.Is(err, auth.ErrNotFound) {
				return fmt.Errorf("%w: no user %q; add it first with `jitgit user add %s`", auth.ErrInvalid, name, name)
			}
			return err
		}
	case "group":
	default:
		return fmt.Errorf("%w: grants name a user or a group, not %q", auth.ErrInvalid, subject)
	}
	return nil
}

func checkRepoPattern(tx storage.Tx, pattern string) (string, error) {
	repo, err := auth.CanonicalRepoPattern(pattern)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(repo, "/*") {
		return repo, nil
	}
	if repo != pattern && repo+".git" != pattern {
		return "", fmt.Errorf("%w: repository %q: write it as %s", auth.ErrInvalid, pattern, repo)
	}
	r, err := tx.Repos().Get(repo)
	if err != nil {
		if errors.Is(err, auth.ErrNotFound) {
			return "", fmt.Errorf("%w: no repository %s; create it first with `jitgit repo create %s`", auth.ErrInvalid, repo, repo)
		}
		return "", err
	}
	if r.IsArchived() {
		return "", archivedError(r)
	}
	return repo, nil
}

// GrantFilter narrows ListGrants.
type GrantFilter struct {
	User  string // grants whose subject is this user or one of its groups
	Group string // grants whose subject is this group
	// Repo: grants covering this repository; for owner/*, grants on
	// owner/* and on every repository of owner.
	Repo  string
	Batch string // grants of this batch
	// ExpiringWithin, when set, keeps the running grants that end within
	// it from now.
	ExpiringWithin time.Duration
	All            bool // include ended grants
}

// matches reports whether g passes the filter's repository, group, batch
// and expiry conditions at now.
func (f GrantFilter) matches(g *auth.Grant, now time.Time) bool {
	switch {
	case !f.All && !g.End().After(now):
	case f.Group != "" && g.Subject != auth.GroupPrincipal(f.Group):
	case f.Batch != "" && g.Batch != f.Batch:
	case f.ExpiringWithin > 0 && (!g.End().After(now) || g.End().After(now.Add(f.ExpiringWithin))):
	case f.Repo != "" && !repoFilterMatches(f.Repo, g.Repo):
	default:
		return true
	}
	return false
}

// repoFilterMatches: an exact filter finds the grants covering that
// repository (exact and owner/*); owner/* finds every grant under owner.
func repoFilterMatches(filter, repo string) bool {
	if owner, ok := strings.CutSuffix(filter, "/*"); ok {
		return strings.HasPrefix(repo, owner+"/")
	}
	return auth.RepoMatches(repo, filter) || repo == filter
}

// ListGrants returns grants, newest first. Administrators and approvers see
// everyone's; others only their own (and their groups').
func (s *Service) ListGrants(ctx context.Context, actor auth.Identity, f GrantFilter) ([]auth.Grant, error) {
	subjects, f, err := s.grantSubjects(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var all []auth.Grant
	if subjects != nil && !f.All {
		// One user's running grants come from the subject index, not from
		// every grant ever made.
		all, err = s.store.GrantsFor(ctx, subjects, now)
		slices.SortFunc(all, func(a, b auth.Grant) int { return b.Created.Compare(a.Created) })
	} else {
		all, err = read(ctx, s.store, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().List() })
	}
	if err != nil {
		return nil, err
	}
	var out []auth.Grant
	for _, g := range all {
		if (subjects == nil || slices.Contains(subjects, g.Subject)) && f.matches(&g, now) {
			out = append(out, g)
		}
	}
	return out, nil
}

// Grant returns one grant, if the actor may see it.
func (s *Service) Grant(ctx context.Context, actor auth.Identity, id string) (auth.Grant, error) {
	g, err := read(ctx, s.store, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get(id) })
	if err != nil {
		return auth.Grant{}, err // names the grant
	}
	if !actor.Admin && !actor.Approver && g.Subject != auth.UserPrincipal(actor.User) {
		return auth.Grant{}, fmt.Errorf("grant %s: %w", id, auth.ErrNotFound)
	}
	return g, nil
}

// RevokeGrant ends a grant now. Only administrators may.
func (s *Service) RevokeGrant(ctx context.Context, actor auth.Identity, id, note string) (auth.Grant, error) {
	if err := requireAdmin(actor, "revoking a grant"); err != nil {
		return auth.Grant{}, err
	}
	return s.endGrant(ctx, actor, id, note, "grant.revoke", func(*auth.Grant) error { return nil })
}

// RelinquishGrant lets a user end their own grant early ("I'm done").
func (s *Service) RelinquishGrant(ctx context.Context, actor auth.Identity, id string) (auth.Grant, error) {
	if err := refuseAuditor(actor, "relinquishing a grant"); err != nil {
		return auth.Grant{}, err
	}
	return s.endGrant(ctx, actor, id, "relinquished", "grant.relinquish", func(g *auth.Grant) error {
		if actor.Anonymous() || g.Subject != auth.UserPrincipal(actor.User) {
			return fmt.Errorf("grant %s: %w: only its user can relinquish a grant", id, auth.ErrForbidden)
		}
		return nil
	})
}

func (s *Service) endGrant(ctx context.Context, actor auth.Identity, id, note, action string, may func(*auth.Grant) error) (auth.Grant, error) {
	note, err := cleanText("note", note, false, s.cfg.Load().MaxReason)
	if err != nil {
		return auth.Grant{}, err
	}
	now := s.now().UTC()
	var out auth.Grant
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		g, err := tx.Grants().Get(id)
		if err != nil {
			return err
		}
		if err := may(&g); err != nil {
			return err
		}
		if !g.End().After(now) {
			return fmt.Errorf("grant %s: %w: it already ended at %s", id, auth.ErrConflict, g.End().Format(time.RFC3339))
		}
		g.Ended, g.EndedBy, g.EndNote = now, actor.Name(), note
		out = g
		if err := tx.Grants().Update(g); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: action, Repo: g.Repo, Target: g.Subject, Grant: id, Detail: note})
	})
	if err != nil {
		if errors.Is(err, auth.ErrNotFound) {
			return auth.Grant{}, fmt.Errorf("grant %s: %w", id, auth.ErrNotFound)
		}
		return auth.Grant{}, err
	}
	return out, nil
}

// Check answers "may user do action on repo?" for an administrator or
// approver, without the user doing anything. An action with a ref asks
// about one update of that ref (its Kind: create, update, force or delete;
// no object ids are needed). The question is audited as access.check; it
// is not an access.
func (s *Service) Check(ctx context.Context, actor auth.Identity, user, repo string, action auth.Action) (auth.Decision, error) {
	if !actor.Admin && !actor.Approver && actor.User != user {
		return auth.Decision{}, fmt.Errorf("%w: checking another user's access needs an administrator", auth.ErrForbidden)
	}
	var who auth.Identity
	disabled := false
	if user != "" && user != "anonymous" {
		u, err := s.user(ctx, user)
		if err != nil {
			return auth.Decision{}, fmt.Errorf("%w: no user %q", auth.ErrNotFound, user)
		}
		who, disabled = u.Identity(auth.MethodCheck), u.Disabled
	}
	if _, err := auth.CanonicalRepo(repo); err != nil {
		return auth.Decision{}, err
	}
	detail := ""
	if ref := action.Ref; ref.Name != "" {
		if action.Level != auth.LevelWrite {
			return auth.Decision{}, fmt.Errorf("%w: a ref is checked for write access; read access covers every ref", auth.ErrInvalid)
		}
		if err := auth.ValidateRefName(ref.Name); err != nil {
			return auth.Decision{}, err
		}
		if ref.Kind != auth.ChangeCreate && ref.Kind != auth.ChangeUpdate && ref.Kind != auth.ChangeForce && ref.Kind != auth.ChangeDelete {
			return auth.Decision{}, fmt.Errorf("%w: check one kind of update of %s: create, update, force or delete", auth.ErrInvalid, ref.Name)
		}
		detail = ref.Name + " (" + ref.Kind.String() + "): "
	}
	d := s.authz.Decide(ctx, who, repo, action)
	if disabled {
		d = auth.Decision{Level: action.Level, Reason: fmt.Sprintf("%s is disabled: nothing they hold works until an administrator enables them", user)}
	}
	res := "deny"
	if d.Allowed {
		res = "allow"
	}
	return d, s.record(ctx, actor, audit.Event{Action: "access.check", Repo: repo, Target: who.Name(), Result: res, Grant: d.Grant, Policy: d.Policy, Detail: detail + d.Reason})
}
