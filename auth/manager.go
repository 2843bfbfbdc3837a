package auth

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ory/ladon"
)

// PolicyManager is a ladon.Manager over the Store, indexed by subject. Unlike
// ladon's in-memory manager it never scans every policy to answer a request:
// it loads the grants and policies of the request's subjects only, and
// GetAll reads one consistent snapshot.
type PolicyManager struct {
	store Store
	now   func() time.Time
}

var _ ladon.Manager = (*PolicyManager)(nil)

// NewPolicyManager returns a manager reading from store; now is the clock
// used to drop grants that have ended.
func NewPolicyManager(store Store, now func() time.Time) *PolicyManager {
	return &PolicyManager{store: store, now: now}
}

// candidates loads every rule naming one of the subjects: the grants that
// have not ended by now and the access policies.
func (m *PolicyManager) candidates(ctx context.Context, subjects []string, now time.Time) ([]*rule, error) {
	grants, err := m.store.GrantsFor(ctx, subjects, now)
	if err != nil {
		return nil, fmt.Errorf("load grants: %w", err)
	}
	policies, err := m.store.PoliciesFor(ctx, subjects)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	rules := make([]*rule, 0, len(grants)+len(policies))
	for i := range grants {
		rules = append(rules, grantRule(&grants[i]))
	}
	for i := range policies {
		for _, r := range policyRules(&policies[i]) {
			if slices.Contains(subjects, r.subject) {
				rules = append(rules, r)
			}
		}
	}
	return rules, nil
}

func asPolicies(rules []*rule) ladon.Policies {
	out := make(ladon.Policies, len(rules))
	for i, r := range rules {
		out[i] = r
	}
	return out
}

// FindRequestCandidates returns the rules of the request's subject.
func (m *PolicyManager) FindRequestCandidates(ctx context.Context, r *ladon.Request) (ladon.Policies, error) {
	return m.FindPoliciesForSubject(ctx, r.Subject)
}

// FindPoliciesForSubject returns the rules naming subject.
func (m *PolicyManager) FindPoliciesForSubject(ctx context.Context, subject string) (ladon.Policies, error) {
	rules, err := m.candidates(ctx, []string{subject}, m.now())
	if err != nil {
		return nil, err
	}
	return asPolicies(rules), nil
}

// FindPoliciesForResource returns the standing policies covering resource.
// Grants are indexed by subject only, so they are not listed here.
func (m *PolicyManager) FindPoliciesForResource(ctx context.Context, resource string) (ladon.Policies, error) {
	all, err := m.GetAll(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	var out ladon.Policies
	for _, p := range all {
		if ok, _ := (globMatcher{}).Matches(p, p.GetResources(), resource); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// GetAll returns the standing policies as rules, from one snapshot.
func (m *PolicyManager) GetAll(ctx context.Context, limit, offset int64) (ladon.Policies, error) {
	ps, err := m.store.ListPolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("list policies: %w", err)
	}
	var out ladon.Policies
	for i := range ps {
		for _, r := range policyRules(&ps[i]) {
			out = append(out, r)
		}
	}
	if offset > 0 {
		out = out[min(int(offset), len(out)):]
	}
	if limit > 0 && int(limit) < len(out) {
		out = out[:limit]
	}
	return out, nil
}

// Get returns the policy with id.
func (m *PolicyManager) Get(ctx context.Context, id string) (ladon.Policy, error) {
	ps, err := m.store.ListPolicies(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].ID == id {
			if rs := policyRules(&ps[i]); len(rs) > 0 {
				return rs[0], nil
			}
		}
	}
	return nil, fmt.Errorf("policy %q: %w", id, ErrNotFound)
}

// Create stores a ladon policy as an access policy. Its actions must be
// access levels; its resources "repo:" patterns.
func (m *PolicyManager) Create(ctx context.Context, p ladon.Policy) error {
	pol, err := fromLadon(p)
	if err != nil {
		return err
	}
	return m.store.PutPolicy(ctx, pol)
}

// Update replaces an access policy.
func (m *PolicyManager) Update(ctx context.Context, p ladon.Policy) error { return m.Create(ctx, p) }

// Delete removes a policy.
func (m *PolicyManager) Delete(ctx context.Context, id string) error {
	return m.store.DeletePolicy(ctx, id)
}

func fromLadon(p ladon.Policy) (Policy, error) {
	pol := Policy{ID: p.GetID(), Description: p.GetDescription(), Subjects: p.GetSubjects(), Effect: Allow, Source: "ladon"}
	if !p.AllowAccess() {
		pol.Effect = Deny
	}
	for _, a := range p.GetActions() {
		l, err := ParseLevel(a)
		if err != nil {
			return Policy{}, fmt.Errorf("policy %q: %w", pol.ID, err)
		}
		if pol.Effect == Allow {
			pol.Level = max(pol.Level, l)
		} else if pol.Level == LevelNone || l < pol.Level {
			pol.Level = l
		}
	}
	for _, r := range p.GetResources() {
		pat, ok := cutResource(r)
		if !ok {
			return Policy{}, fmt.Errorf("%w: policy %q: resource %q: use repo:owner/name, repo:owner/* or repo:*", ErrInvalid, pol.ID, r)
		}
		pol.Repos = append(pol.Repos, pat)
	}
	if len(p.GetConditions()) > 0 {
		return Policy{}, fmt.Errorf("%w: policy %q: conditions are not supported on stored policies", ErrInvalid, pol.ID)
	}
	return pol, pol.Validate()
}

func cutResource(r string) (string, bool) {
	if len(r) <= len(resourcePrefix) || r[:len(resourcePrefix)] != resourcePrefix {
		return "", false
	}
	pat := r[len(resourcePrefix):]
	if pat == "*" {
		return pat, true
	}
	if _, err := CanonicalRepoPattern(pat); err != nil {
		return "", false
	}
	return pat, true
}
