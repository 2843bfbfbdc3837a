package service

import (
	"fmt"

	"github.com/jitgit/jitgit/auth"
)

// checkRefScope validates the ref pattern and allowance of a grant or a
// request: a ref needs write (or admin) access, an allowance needs a ref,
// and only force and delete are allowances (naming the ref already lifts
// the rules against creating and updating it).
func checkRefScope(level auth.Level, ref string, allow auth.Changes) (string, error) {
	if ref == "" {
		if allow != 0 {
			return "", fmt.Errorf("%w: --allow %s needs --ref: name the refs it is for", auth.ErrInvalid, allow)
		}
		return "", nil
	}
	if level < auth.LevelWrite {
		return "", fmt.Errorf("%w: a ref pattern is for write access; read access covers every ref", auth.ErrInvalid)
	}
	if err := auth.ValidateRefPattern(ref); err != nil {
		return "", err
	}
	if allow&^(auth.ChangeForce|auth.ChangeDelete) != 0 {
		return "", fmt.Errorf("%w: allow %q: only force and delete are allowances; naming the ref already allows creating and updating it", auth.ErrInvalid, allow)
	}
	return ref, nil
}

// refScope describes a ref scope for the audit trail: " refs/heads/x
// (allows force)", or "" for none.
func refScope(ref string, allow auth.Changes) string {
	if ref == "" {
		return ""
	}
	if allow != 0 {
		return " " + ref + " (allows " + allow.String() + ")"
	}
	return " " + ref
}
