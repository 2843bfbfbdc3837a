package auth

import (
	"context"
	"strings"
	"time"

	"github.com/ory/ladon"
)

// This file adapts grants and policies to ladon. Three choices matter:
//
//   - Matching uses plain globs (exact, "owner/*", "*"), never regular
//     expressions: ladon's regex cache holds 512 patterns and one per owner
//     would thrash it.
//   - A grant's window is a condition that reads the clock value the
//     Authorizer puts in the request context. Badger TTL is only clean-up.
//   - Conditions fail closed: a missing or malformed context value makes an
//     allow condition fail and a deny condition hold. (ladon's own deny
//     conditions fail open: a deny whose condition cannot be evaluated is
//     skipped.)

// contextNow is the ladon request context key holding the decision time.
const contextNow = "now"

// resourcePrefix namespaces repository resources in ladon requests.
const resourcePrefix = "repo:"

// globMatcher matches ladon subjects, actions and resources without regular
// expressions.
type globMatcher struct{}

// Matches reports whether needle equals a haystack entry, or an entry ending
// in "/*" names needle's owner, or an entry is "*" (or "repo:*").
func (globMatcher) Matches(_ ladon.Policy, haystack []string, needle string) (bool, error) {
	return globMatch(haystack, needle), nil
}

// globMatch is globMatcher.Matches without the policy.
func globMatch(haystack []string, needle string) bool {
	for _, h := range haystack {
		if h == needle {
			return true
		}
		if pattern, ok := strings.CutPrefix(h, resourcePrefix); ok {
			if repo, ok := strings.CutPrefix(needle, resourcePrefix); ok && RepoMatches(pattern, repo) {
				return true
			}
		}
	}
	return false
}

// windowCondition holds while the clock value in the request context lies in
// [Starts, Ends). Deny says how to fail when the value is missing: a deny
// rule must then still apply.
type windowCondition struct {
	Starts, Ends time.Time
	Deny         bool
}

func (windowCondition) GetName() string { return "JitgitWindowCondition" }

// Fulfills reports whether now (a time.Time) is inside the window.
func (c windowCondition) Fulfills(_ context.Context, value any, _ *ladon.Request) bool {
	now, ok := value.(time.Time)
	if !ok || now.IsZero() {
		return c.Deny
	}
	if !c.Starts.IsZero() && now.Before(c.Starts) {
		return false
	}
	if !c.Ends.IsZero() && !now.Before(c.Ends) {
		return false
	}
	return true
}

// rule is a grant or a policy seen as a ladon policy.
type rule struct {
	id        string
	subject   string
	resources []string
	actions   []string
	deny      bool
	cond      ladon.Conditions
	grant     *Grant
	policy    *Policy
	res       [1]string // backs resources for a grant: one allocation less
}

func (r *rule) GetID() string                   { return r.id }
func (r *rule) GetDescription() string          { return "" }
func (r *rule) GetSubjects() []string           { return []string{r.subject} }
func (r *rule) AllowAccess() bool               { return !r.deny }
func (r *rule) GetResources() []string          { return r.resources }
func (r *rule) GetActions() []string            { return r.actions }
func (r *rule) GetConditions() ladon.Conditions { return r.cond }
func (r *rule) GetMeta() []byte                 { return nil }
func (r *rule) GetStartDelimiter() byte         { return '<' }
func (r *rule) GetEndDelimiter() byte           { return '>' }
func (r *rule) GetEffect() string {
	if r.deny {
		return string(Deny)
	}
	return string(Allow)
}

// allActions are the actions in level order; actionsUpTo hands out
// capacity-clipped prefixes of it, which nobody modifies.
var allActions = []string{LevelRead.String(), LevelWrite.String(), LevelAdmin.String()}

// actionsUpTo lists the actions a level allows: write allows read and write.
func actionsUpTo(l Level) []string {
	n := int(min(max(l, LevelNone), LevelAdmin))
	if n == 0 {
		return nil
	}
	return allActions[:n:n]
}

// actionsFrom lists the actions a deny at level l forbids: a write deny
// forbids write and admin but leaves read alone.
func actionsFrom(l Level) []string {
	var a []string
	for v := max(l, LevelRead); v <= LevelAdmin; v++ {
		a = append(a, v.String())
	}
	return a
}

func grantRule(g *Grant) *rule {
	r := &rule{
		id:      g.ID,
		subject: g.Subject,
		actions: actionsUpTo(g.Level),
		cond:    ladon.Conditions{contextNow: windowCondition{Starts: g.Starts, Ends: g.End()}},
		grant:   g,
		res:     [1]string{resourcePrefix + g.Repo},
	}
	r.resources = r.res[:]
	return r
}

// policyRules turns an access policy into one rule per subject. Approval and
// auto-approval rules grant no access and yield nothing.
func policyRules(p *Policy) []*rule {
	if p.Level == LevelNone {
		return nil
	}
	res := make([]string, len(p.Repos))
	for i, r := range p.Repos {
		res[i] = resourcePrefix + r
	}
	deny := p.Effect == Deny
	actions := actionsUpTo(p.Level)
	if deny {
		actions = actionsFrom(p.Level)
	}
	out := make([]*rule, 0, len(p.Subjects))
	for _, s := range p.Subjects {
		out = append(out, &rule{id: p.ID, subject: s, resources: res, actions: actions, deny: deny, policy: p})
	}
	return out
}
