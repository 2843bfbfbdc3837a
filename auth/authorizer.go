// Package auth is the decision core: identities, access levels, repository
// names, policies and grants as ladon rules, and Authorizer.Authorize, the one
// function that decides every access. It knows nothing of HTTP, SSH or a
// database: it reads rules through Rules and keeps its record through Recorder.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ory/ladon"

	"github.com/jitgit/jitgit/redact"
)

// Authorizer makes every access decision: Git over HTTP and SSH, the web
// pages, the API and `jitgit access check` all ask it.
type Authorizer struct {
	rules    Rules
	recorder Recorder
	now      func() time.Time
}

// NewAuthorizer returns an Authorizer deciding from the grants and policies
// in rules and keeping the record of each decision with recorder. now is
// the clock.
func NewAuthorizer(rules Rules, recorder Recorder, now func() time.Time) *Authorizer {
	return &Authorizer{rules: rules, recorder: recorder, now: now}
}

// Authorize decides whether who may perform action on repo, and records the
// decision durably in the audit trail before returning it. When the record
// cannot be written the answer is deny: no access goes unaudited.
func (a *Authorizer) Authorize(ctx context.Context, who Identity, repo string, action Action) Decision {
	d := a.Decide(ctx, who, repo, action)
	if err := a.recorder.RecordDecision(ctx, who, repo, action, d); err != nil {
		return Decision{Level: action.Level, Reason: "the audit trail cannot be written, so access is refused; tell an administrator"}
	}
	return d
}

// Decide is Authorize without the audit record. It is for questions about
// access ("who could?"), never for granting it.
func (a *Authorizer) Decide(ctx context.Context, who Identity, repo string, action Action) Decision {
	now := a.now()
	d := Decision{Level: action.Level}
	name, err := CanonicalRepo(repo)
	if err != nil || action.Level < LevelRead || action.Level > LevelAdmin {
		d.Reason = fmt.Sprintf("%q is not a repository name or %q not an access level", Printable(repo), action.Level)
		return d
	}
	ref := action.Ref
	if ref.Name != "" && (action.Level != LevelWrite || ValidateRefName(ref.Name) != nil || !oneKind(ref.Kind)) {
		d.Reason = fmt.Sprintf("%q is not a ref update", Printable(ref.Name))
		return d
	}
	if who.Auditor {
		d.Reason = "an auditor account has no Git access; use a personal account for Git"
		return d
	}
	principals := who.Principals()
	rules, err := candidates(ctx, a.rules, principals, now)
	if err != nil {
		d.Reason = "access cannot be checked right now; try again or tell an administrator"
		return d
	}
	var guard *Protection
	if ref.Name != "" {
		if guard, err = a.protection(ctx, name, ref); err != nil {
			d.Reason = "access cannot be checked right now; try again or tell an administrator"
			return d
		}
		rules = forRef(rules, ref, guard != nil)
	}
	allow, deny := evaluate(ctx, rules, principals, name, action.Level, now)
	switch {
	case deny != nil:
		d.Policy, d.Final = deny.id, true
		d.Reason = fmt.Sprintf("policy %s forbids %s access to %s for %s", deny.id, action.Level, name, who.Name())
		if deny.policy != nil && deny.policy.Description != "" {
			d.Reason += ": " + deny.policy.Description
		}
		return d
	case allow == nil && guard != nil:
		d.Policy = guard.ID
		d.Reason = protectedReason(who, name, ref, guard)
		return d
	case allow == nil:
		d.Reason = a.missing(ctx, who, rules, principals, name, action.Level, now)
		if ref.Name != "" {
			d.Reason = fmt.Sprintf("%s has no active grant that covers %s of %s", who.Name(), ref.Name, name)
		}
		return d
	}
	// The repository is read only once something would allow: a user with
	// no access learns nothing of an archive.
	if r, err := a.rules.GetRepo(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
		d.Reason = "access cannot be checked right now; try again or tell an administrator"
		return d
	} else if err == nil && r.IsArchived() {
		d.Reason, d.Final = ArchivedReason(r), true
		return d
	} else if err == nil && action.Level >= LevelWrite {
		switch {
		case r.Mirror != "":
			d.Reason = fmt.Sprintf("%s is a read-only mirror of %s; push to the upstream instead", name, redact.URL(r.Mirror))
			d.Final = true
			return d
		case r.ReadOnly:
			d.Reason = fmt.Sprintf("%s is read-only: a former mirror, kept as it was last fetched", name)
			d.Final = true
			return d
		}
	}
	d.Allowed = true
	if allow.grant != nil {
		g := allow.grant
		d.Grant, d.Expires = g.ID, g.End()
		scope := g.Repo
		if g.Ref != "" {
			scope += " " + g.Ref
		}
		d.Reason = fmt.Sprintf("grant %s to %s (%s on %s, ends %s, in %s)", g.ID, g.Subject, g.Level, scope,
			d.Expires.UTC().Format(time.RFC3339), FormatDuration(d.Expires.Sub(now)))
	} else {
		d.Policy = allow.id
		d.Reason = fmt.Sprintf("policy %s (%s on %s)", allow.id, allow.policy.Level, name)
	}
	if guard != nil {
		d.Reason += "; lifts protection rule " + guard.ID
	}
	return d
}

// missing explains a deny when no rule matched, saying what is there.
func (a *Authorizer) missing(ctx context.Context, who Identity, rules []*rule, principals []string, repo string, action Level, now time.Time) string {
	if who.Anonymous() {
		return fmt.Sprintf("anonymous %s access to %s is not allowed; sign in with a user name and token", action, repo)
	}
	if action > LevelRead {
		if lower, _ := evaluate(ctx, rules, principals, repo, action-1, now); lower != nil {
			return fmt.Sprintf("%s has %s access to %s but no active grant to %s it", who.User, action-1, repo, action)
		}
	}
	return fmt.Sprintf("%s has no active grant to %s %s", who.User, action, repo)
}

// evaluate runs the ladon warden over the rules once per principal and
// returns the rule that allowed (the grant that lasts longest, else a
// policy) or the rule that denied. A deny under any principal wins.
func evaluate(ctx context.Context, rules []*rule, principals []string, repo string, action Level, now time.Time) (allow, deny *rule) {
	rec := &deciders{}
	warden := &ladon.Ladon{Matcher: globMatcher{}, AuditLogger: rec, Metric: &ladon.MetricNoOp{}}
	req := &ladon.Request{Resource: resourcePrefix + repo, Action: action.String(), Context: ladon.Context{contextNow: now}}
	mine := make([]ladon.Policy, 0, len(rules))
	for _, p := range principals {
		mine = mine[:0]
		for _, r := range rules {
			// The warden skips a rule whose resources miss the request;
			// leaving it out here saves the warden call (and the stack
			// trace of its deny error) for principals with nothing that
			// matches.
			if r.subject == p && globMatch(r.resources, req.Resource) {
				mine = append(mine, r)
			}
		}
		if len(mine) == 0 {
			continue
		}
		req.Subject = p
		rec.granted = nil
		err := warden.DoPoliciesAllow(ctx, req, mine)
		switch {
		case err == nil:
			for _, pol := range rec.granted {
				allow = better(allow, pol.(*rule))
			}
		case errors.Is(err, ladon.ErrRequestForcefullyDenied):
			if len(rec.rejected) > 0 {
				return nil, rec.rejected[len(rec.rejected)-1].(*rule)
			}
			return nil, &rule{id: "unknown", deny: true}
		}
	}
	return allow, nil
}

// better prefers a grant to a policy, and of two grants the one ending last.
func better(cur, r *rule) *rule {
	switch {
	case cur == nil:
		return r
	case r.grant == nil:
		return cur
	case cur.grant == nil || r.grant.End().After(cur.grant.End()):
		return r
	}
	return cur
}

// deciders captures which rules decided a warden call.
type deciders struct {
	granted, rejected ladon.Policies
}

func (d *deciders) LogRejectedAccessRequest(_ context.Context, _ *ladon.Request, _ ladon.Policies, by ladon.Policies) {
	d.rejected = by
}

func (d *deciders) LogGrantedAccessRequest(_ context.Context, _ *ladon.Request, _ ladon.Policies, by ladon.Policies) {
	d.granted = by
}
