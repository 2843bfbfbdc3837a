package auth

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// candidates loads every rule naming one of the subjects: the grants that
// have not ended by now and the access policies. It reads the subjects'
// indexes only, never every rule: the stock ladon manager scans them all
// (about 50 ms at 100,000 policies), which is why jitgit has its own loader
// and no ladon.Manager.
func candidates(ctx context.Context, rules Rules, subjects []string, now time.Time) ([]*rule, error) {
	grants, err := rules.GrantsFor(ctx, subjects, now)
	if err != nil {
		return nil, fmt.Errorf("load grants: %w", err)
	}
	policies, err := rules.PoliciesFor(ctx, subjects)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	out := make([]*rule, 0, len(grants)+len(policies))
	for i := range grants {
		out = append(out, grantRule(&grants[i]))
	}
	for i := range policies {
		for _, r := range policyRules(&policies[i]) {
			if slices.Contains(subjects, r.subject) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}
