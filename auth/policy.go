package auth

import (
	"fmt"
	"strings"
)

// ValidatePrincipal checks a grant or policy subject: "user:NAME",
// "group:NAME", "users" or "anyone".
func ValidatePrincipal(s string) error {
	if s == PrincipalAnyone || s == PrincipalUsers {
		return nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if !ok || (kind != "user" && kind != "group") {
		return fmt.Errorf("%w: subject %q: use user:NAME, group:NAME, users or anyone", ErrInvalid, Printable(s))
	}
	return ValidateUserName(name)
}

// Validate checks a policy for the mistakes that would make it mean
// something else than its author thinks.
func (p Policy) Validate() error {
	if p.ID == "" {
		return fmt.Errorf("%w: policy without an id", ErrInvalid)
	}
	if len(p.Subjects) == 0 || len(p.Repos) == 0 {
		return fmt.Errorf("%w: policy %q: needs at least one subject and one repo", ErrInvalid, p.ID)
	}
	for _, s := range p.Subjects {
		if err := ValidatePrincipal(s); err != nil {
			return fmt.Errorf("policy %q: %w", p.ID, err)
		}
	}
	for _, r := range p.Repos {
		if r == "*" {
			continue
		}
		if _, err := CanonicalRepoPattern(r); err != nil {
			return fmt.Errorf("policy %q: %w", p.ID, err)
		}
	}
	if p.Effect != Allow && p.Effect != Deny {
		return fmt.Errorf("%w: policy %q: effect must be allow or deny", ErrInvalid, p.ID)
	}
	if p.Level == LevelNone && !p.Approve && p.AutoMax == 0 && p.Approvals == 0 {
		return fmt.Errorf("%w: policy %q: says nothing: set access, approve, auto_max or approvals", ErrInvalid, p.ID)
	}
	if p.AutoMax < 0 || p.Approvals < 0 {
		return fmt.Errorf("%w: policy %q: auto_max and approvals cannot be negative", ErrInvalid, p.ID)
	}
	if p.AutoMax > 0 && p.AutoLevel == LevelNone {
		return fmt.Errorf("%w: policy %q: auto_max needs auto_access (read or write)", ErrInvalid, p.ID)
	}
	return nil
}
