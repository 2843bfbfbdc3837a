package auth

import (
	"context"
	"fmt"
	"math/bits"
)

// This file is the part of the decision that a ref update adds: which
// protection rule guards the update, and which rules may allow it.

// oneKind reports whether k is exactly one kind of update.
func oneKind(k Changes) bool {
	return bits.OnesCount8(uint8(k)) == 1 && k <= ChangeDelete
}

// protection returns the first protection rule of repo (by id) that
// forbids the update, or nil.
func (a *Authorizer) protection(ctx context.Context, repo string, u RefUpdate) (*Protection, error) {
	ps, err := a.rules.ProtectionsFor(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("load protection rules: %w", err)
	}
	var found *Protection
	for i := range ps {
		if ps[i].Applies(repo, u.Name, u.Kind) && (found == nil || ps[i].ID < found.ID) {
			found = &ps[i]
		}
	}
	return found, nil
}

// forRef keeps the rules that may decide the update u: deny rules always;
// grants scoped to refs only when their pattern matches u's ref. Under a
// protection rule (guarded) only what lifts it may allow: admin access, or
// a grant naming the ref whose allowance covers a force or a delete.
func forRef(rules []*rule, u RefUpdate, guarded bool) []*rule {
	out := make([]*rule, 0, len(rules))
	for _, r := range rules {
		level := LevelNone
		if r.grant != nil {
			level = r.grant.Level
		} else if r.policy != nil {
			level = r.policy.Level
		}
		switch {
		case r.deny:
		case level == LevelAdmin:
		case r.grant != nil && r.grant.Ref != "":
			if !RefMatches(r.grant.Ref, u.Name) {
				continue
			}
			if guarded && u.Kind&(ChangeForce|ChangeDelete) != 0 && !r.grant.Allow.Has(u.Kind) {
				continue
			}
		case guarded:
			continue
		}
		out = append(out, r)
	}
	return out
}

// protectedReason explains a refusal by a protection rule and what grant
// would lift it.
func protectedReason(who Identity, repo string, u RefUpdate, p *Protection) string {
	what := map[Changes]string{ChangeCreate: "created", ChangeUpdate: "updated", ChangeForce: "force-pushed", ChangeDelete: "deleted"}[u.Kind]
	need := "a write grant naming " + u.Name
	if u.Kind == ChangeForce || u.Kind == ChangeDelete {
		need += " with --allow " + u.Kind.String()
	}
	desc := ""
	if p.Description != "" {
		desc = " (" + p.Description + ")"
	}
	return fmt.Sprintf("%s of %s is protected by rule %s%s: it cannot be %s with plain write access; %s needs %s",
		u.Name, repo, p.ID, desc, what, who.Name(), need)
}
