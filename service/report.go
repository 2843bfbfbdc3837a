package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// ReportFilter asks AccessReport about one repository or one user, within
// a window.
type ReportFilter struct {
	Repo  string // canonical owner/name; or
	User  string // everything this user could reach
	Since time.Time
	Until time.Time // zero: now
}

// AccessInterval is one stretch of time in which Subject could read or
// write Repo through one grant or policy.
type AccessInterval struct {
	Subject string     // a user name, or "anyone" / "users" for policies that name everybody
	Repo    string     // the repository or pattern the grant or policy names
	Level   auth.Level // read, write or admin
	From    time.Time
	To      time.Time // zero: still running at the report's end
	// Before says that From is the trail's first event, not when the
	// access began: a policy the store held before the trail recorded
	// policy events (a data directory older than those events) began
	// before it, and the trail cannot say when.
	Before  bool
	Grant   string // the grant, or
	Policy  string // the policy that allowed it
	Group   string // the group the subject had it through, if any
	Reason  string
	Ticket  string
	Request string
	// Approved lists who approved ("erin 2026-03-02T10:00:00Z"), Denied
	// the earlier denials of the same requester for the same repository.
	Approved []string
	Denied   []string
	// Ended says how the interval ended: expired, revoked by NAME,
	// relinquished, disabled, left group G, policy removed, policy
	// changed, or "" while it runs.
	Ended string
}

// AccessReport lists every interval in which someone could read or write
// the repository f.Repo (or anything f.User could reach), from which grant
// or policy, why, who approved and how it ended. Group grants are expanded
// to the group's members at the time, from the trail's user.create and
// user.update events; a disabled user's access stops while disabled.
// Only administrators and auditors may ask; the report is audited.
func (s *Service) AccessReport(ctx context.Context, actor auth.Identity, f ReportFilter) ([]AccessInterval, error) {
	if err := requireAuditReader(actor, "an access report"); err != nil {
		return nil, err
	}
	if (f.Repo == "") == (f.User == "") {
		return nil, fmt.Errorf("%w: name a repository or a user for the report", auth.ErrInvalid)
	}
	if f.Repo != "" {
		r, err := auth.CanonicalRepo(f.Repo)
		if err != nil {
			return nil, err
		}
		f.Repo = r
	}
	now := s.now().UTC()
	end := now
	if !f.Until.IsZero() && f.Until.Before(now) {
		end = f.Until
	}
	h, err := s.history(ctx)
	if err != nil {
		return nil, err
	}
	var grants []auth.Grant
	var requests []auth.Request
	err = s.store.View(ctx, func(tx storage.Tx) error {
		var err error
		if grants, err = tx.Grants().List(); err != nil {
			return err
		}
		requests, err = tx.Requests().List()
		return err
	})
	if err != nil {
		return nil, err
	}
	reqs := map[string]auth.Request{}
	for _, r := range requests {
		reqs[r.ID] = r
	}
	var out []AccessInterval
	keep := func(iv AccessInterval) {
		if f.User != "" && iv.Subject != f.User && iv.Subject != auth.PrincipalAnyone && iv.Subject != auth.PrincipalUsers {
			return
		}
		if !f.Since.IsZero() && !iv.To.IsZero() && !iv.To.After(f.Since) {
			return
		}
		if !iv.From.Before(end) {
			return
		}
		if !iv.To.IsZero() && iv.To.After(end) && end.Before(now) {
			iv.To, iv.Ended = time.Time{}, "" // runs past the window
		}
		out = append(out, iv)
	}
	for _, g := range grants {
		if f.Repo != "" && !auth.RepoMatches(g.Repo, f.Repo) && g.Repo != f.Repo {
			continue
		}
		base := AccessInterval{Repo: g.Repo, Level: g.Level, Grant: g.ID, Reason: g.Reason, Request: g.Request}
		if r, ok := reqs[g.Request]; ok {
			base.Ticket = r.Ticket
			for _, rv := range r.Reviews {
				if rv.Approved {
					base.Approved = append(base.Approved, rv.By+" "+rv.At.UTC().Format(time.RFC3339))
				}
			}
			if r.AutoRule != "" {
				base.Approved = append(base.Approved, "policy:"+r.AutoRule)
			}
			for _, d := range requests {
				if d.Requester == r.Requester && d.Repo == r.Repo && d.Status == auth.StatusDenied && d.Decided.Before(g.Starts) {
					for _, rv := range d.Reviews {
						if !rv.Approved {
							base.Denied = append(base.Denied, rv.By+" "+rv.At.UTC().Format(time.RFC3339))
						}
					}
				}
			}
			slices.Sort(base.Denied)
		}
		to, how := g.End(), grantEnd(g, now)
		if !to.Before(now) && how == "" {
			to = time.Time{}
		}
		for _, iv := range h.expand(g.Subject, base, g.Starts, to, how) {
			keep(iv)
		}
	}
	for _, p := range h.policies {
		if p.doc.Effect != auth.Allow || p.doc.Level < auth.LevelRead {
			continue
		}
		for _, repo := range p.doc.Repos {
			if f.Repo != "" && !auth.RepoMatches(repo, f.Repo) && repo != f.Repo {
				continue
			}
			for _, subj := range p.doc.Subjects {
				base := AccessInterval{Repo: repo, Level: p.doc.Level, Policy: p.id, Reason: p.doc.Description, Before: p.before}
				for _, iv := range h.expand(subj, base, p.from, p.to, p.ended) {
					keep(iv)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b AccessInterval) int {
		if c := a.From.Compare(b.From); c != 0 {
			return c
		}
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return strings.Compare(a.Grant+a.Policy, b.Grant+b.Policy)
	})
	detail := "repo " + f.Repo
	if f.User != "" {
		detail = "user " + f.User
	}
	return out, s.record(ctx, actor, audit.Event{Action: "report.access", Repo: f.Repo, Target: f.User,
		Detail: fmt.Sprintf("%s: %d intervals", detail, len(out))})
}

// grantEnd says how a grant that ended did so; "" while it runs.
func grantEnd(g auth.Grant, now time.Time) string {
	switch {
	case g.EndedBy == ExpiredBy && g.EndNote == ExpiredNote:
		return "expired"
	case !g.Ended.IsZero() && g.EndNote == "relinquished" && g.Ended.Before(g.Expires):
		return "relinquished"
	case !g.Ended.IsZero() && g.Ended.Before(g.Expires):
		return "revoked by " + g.EndedBy
	case !g.Expires.After(now):
		return "expired"
	}
	return ""
}

// span is a stretch [from, to) of one state; a zero to runs on.
type span struct {
	from, to time.Time
	ended    string // why it ended
}

// recordedPolicy is one stretch of a policy as the trail recorded it.
type recordedPolicy struct {
	id       string
	doc      auth.Policy
	from, to time.Time
	ended    string
	before   bool // from is the trail's first event; it held already then
}

// accessHistory is what the trail says about who was in which group, who
// was disabled when, and which policies held when.
type accessHistory struct {
	groups   map[string]map[string][]span // user → group → spans of membership
	disabled map[string][]span            // user → spans of being disabled
	users    []string
	policies []recordedPolicy
}

// history reads the user and policy changes from the trail, oldest first,
// holding only their state.
func (s *Service) history(ctx context.Context) (*accessHistory, error) {
	h := &accessHistory{groups: map[string]map[string][]span{}, disabled: map[string][]span{}}
	open := map[string]*recordedPolicy{}
	setGroups := func(user string, at time.Time, groups []string) {
		m := h.groups[user]
		if m == nil {
			m = map[string][]span{}
			h.groups[user] = m
			h.users = append(h.users, user)
		}
		for g, ss := range m {
			if n := len(ss); n > 0 && ss[n-1].to.IsZero() && !slices.Contains(groups, g) {
				ss[n-1].to, ss[n-1].ended = at, "left group "+g
			}
		}
		for _, g := range groups {
			ss := m[g]
			if n := len(ss); n == 0 || !ss[n-1].to.IsZero() {
				m[g] = append(ss, span{from: at})
			}
		}
	}
	setDisabled := func(user string, at time.Time, on bool) {
		ss := h.disabled[user]
		n := len(ss)
		switch {
		case on && (n == 0 || !ss[n-1].to.IsZero()):
			h.disabled[user] = append(ss, span{from: at})
		case !on && n > 0 && ss[n-1].to.IsZero():
			ss[n-1].to = at
		}
	}
	// A policy whose first event is a change or a removal, or that has
	// none, held since before the trail's first event (see
	// policiesBeforeTrail).
	var first time.Time
	recorded := map[string]bool{}
	err := s.store.Events().Scan(ctx, 0, false, func(e audit.Event) bool {
		if first.IsZero() {
			first = e.Time
		}
		switch e.Action {
		case "user.create", "user.update":
			if e.Result != "ok" {
				return true
			}
			for _, kv := range strings.Fields(e.Detail) {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "groups":
					var gs []string
					if v != "" {
						gs = strings.Split(v, ",")
					}
					setGroups(e.Target, e.Time, gs)
				case "disabled":
					setDisabled(e.Target, e.Time, v == "true")
				}
			}
			if e.Action == "user.create" && h.groups[e.Target] == nil {
				setGroups(e.Target, e.Time, nil)
			}
		case "policy.add", "policy.change", "policy.remove":
			if e.Result != "ok" {
				return true
			}
			if !recorded[e.Policy] && e.Action != "policy.add" {
				old, _, _ := strings.Cut(e.Detail, " → ")
				open[e.Policy] = &recordedPolicy{id: e.Policy, doc: parsePolicyDetail(old), from: first, before: true}
			}
			recorded[e.Policy] = true
			if p := open[e.Policy]; p != nil {
				p.to, p.ended = e.Time, strings.TrimPrefix(e.Action, "policy.")
				if p.ended == "change" {
					p.ended = "policy changed"
				} else {
					p.ended = "policy removed"
				}
				h.policies = append(h.policies, *p)
				delete(open, e.Policy)
			}
			if e.Action != "policy.remove" {
				d := e.Detail
				if _, after, ok := strings.Cut(d, " → "); ok {
					d = after
				}
				open[e.Policy] = &recordedPolicy{id: e.Policy, doc: parsePolicyDetail(d), from: e.Time}
			}
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("access report: read the trail: %w", err)
	}
	for _, p := range open {
		h.policies = append(h.policies, *p)
	}
	before, err := s.policiesBeforeTrail(ctx, recorded, first)
	if err != nil {
		return nil, err
	}
	h.policies = append(h.policies, before...)
	slices.SortFunc(h.policies, func(a, b recordedPolicy) int { return a.from.Compare(b.from) })
	slices.Sort(h.users)
	return h, nil
}

// policiesBeforeTrail returns the stored policies the trail never
// mentions as running since before its first event (first; now for an
// empty trail): a data directory older than the policy events holds
// policies that no policy.add introduced, and a restart with the same
// config records none.
func (s *Service) policiesBeforeTrail(ctx context.Context, recorded map[string]bool, first time.Time) ([]recordedPolicy, error) {
	stored, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Policy, error) { return tx.Policies().List() })
	if err != nil {
		return nil, fmt.Errorf("access report: read the policies: %w", err)
	}
	if first.IsZero() {
		first = s.now().UTC()
	}
	var out []recordedPolicy
	for _, p := range stored {
		if !recorded[p.ID] {
			out = append(out, recordedPolicy{id: p.ID, doc: p, from: first, before: true})
		}
	}
	return out, nil
}

// parsePolicyDetail reads back what describePolicy wrote: the effect, the
// subjects, the repositories and the access level.
func parsePolicyDetail(d string) auth.Policy {
	var p auth.Policy
	for i, f := range strings.Fields(d) {
		if i == 0 {
			p.Effect = auth.Effect(f)
			continue
		}
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "subjects":
			p.Subjects = strings.Split(v, ",")
		case "repos":
			p.Repos = strings.Split(v, ",")
		case "access":
			if l, err := auth.ParseLevel(v); err == nil {
				p.Level = l
			}
		}
	}
	return p
}

// expand turns access of subject over [from, to) into the intervals of
// each user it reached: a user directly, a group's members while they
// were members, everyone as one row. A user's disabled spans cut their
// intervals.
func (h *accessHistory) expand(subject string, base AccessInterval, from, to time.Time, ended string) []AccessInterval {
	var out []AccessInterval
	add := func(user, group string, ss []span) {
		for _, s := range ss {
			iv := base
			iv.Subject, iv.Group = user, group
			iv.From, iv.To, iv.Ended = from, to, ended
			if s.from.After(iv.From) {
				iv.From = s.from
			}
			if !s.to.IsZero() && (iv.To.IsZero() || s.to.Before(iv.To)) {
				iv.To, iv.Ended = s.to, s.ended
			}
			if !iv.To.IsZero() && !iv.From.Before(iv.To) {
				continue
			}
			out = append(out, h.cutDisabled(iv)...)
		}
	}
	always := []span{{}}
	switch kind, name, _ := strings.Cut(subject, ":"); {
	case kind == "user":
		add(name, "", always)
	case kind == "group":
		for _, u := range h.users {
			add(u, name, h.groups[u][name])
		}
	case subject == auth.PrincipalAnyone || subject == auth.PrincipalUsers:
		iv := base
		iv.Subject, iv.From, iv.To, iv.Ended = subject, from, to, ended
		out = append(out, iv)
	}
	return out
}

// cutDisabled removes from iv the spans in which its user was disabled.
func (h *accessHistory) cutDisabled(iv AccessInterval) []AccessInterval {
	var out []AccessInterval
	for _, d := range h.disabled[iv.Subject] {
		if !iv.To.IsZero() && !d.from.Before(iv.To) {
			break
		}
		if !d.to.IsZero() && !d.to.After(iv.From) {
			continue
		}
		if d.from.After(iv.From) {
			head := iv
			head.To, head.Ended = d.from, "disabled"
			out = append(out, head)
		}
		if d.to.IsZero() {
			return out
		}
		iv.From = d.to
		if !iv.To.IsZero() && !iv.From.Before(iv.To) {
			return out
		}
	}
	return append(out, iv)
}
