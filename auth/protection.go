package auth

import (
	"fmt"
	"strings"
)

// Protection is a standing rule that the refs matching Ref in the
// repositories matching Repo cannot be changed in the ways of Forbid with
// plain write access. A grant that names the ref lifts it: for creating
// and fast-forwarding, naming the ref is enough; forcing and deleting also
// need the grant's allowance. Admin access lifts every rule.
type Protection struct {
	ID          string  `json:"id"`
	Description string  `json:"description,omitempty"`
	Repo        string  `json:"repo"` // exact name, owner/* or *
	Ref         string  `json:"ref"`  // ref pattern, see ValidateRefPattern
	Forbid      Changes `json:"forbid"`
	Source      string  `json:"source"` // "config" or the admin who made it
}

// Applies reports whether the rule covers a change of kind to ref in repo.
func (p Protection) Applies(repo, ref string, kind Changes) bool {
	if p.Forbid&kind == 0 && p.Forbid&ChangeUpdate == 0 {
		return false
	}
	return RepoMatches(p.Repo, repo) && RefMatches(p.Ref, ref)
}

// Validate checks a protection rule.
func (p Protection) Validate() error {
	if err := ValidateID("protection rule id", p.ID); err != nil {
		return err
	}
	if p.Repo != "*" {
		if _, err := CanonicalRepoPattern(p.Repo); err != nil {
			return fmt.Errorf("protection rule %q: %w", p.ID, err)
		}
	}
	if err := ValidateRefPattern(p.Ref); err != nil {
		return fmt.Errorf("protection rule %q: %w", p.ID, err)
	}
	if p.Forbid == 0 {
		return fmt.Errorf("%w: protection rule %q: forbids nothing: set force, delete, create or update", ErrInvalid, p.ID)
	}
	return nil
}

// ValidateID checks a rule id: 1 to 64 bytes of a-z, 0-9, '-', '_' and
// '.', starting with a letter or digit.
func ValidateID(what, id string) error {
	ok := id != "" && len(id) <= 64 && id[0] != '-' && id[0] != '_' && id[0] != '.'
	for i := 0; ok && i < len(id); i++ {
		b := id[i]
		ok = (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || strings.IndexByte("-_.", b) >= 0
	}
	if !ok {
		return fmt.Errorf("%w: %s %q: use 1 to 64 of a-z, 0-9, '-', '_', '.', starting with a letter or digit", ErrInvalid, what, Printable(id))
	}
	return nil
}
