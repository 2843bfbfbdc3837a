package service

import (
	"context"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// revokeChunk is how many grants one transaction of RevokeGrants ends.
const revokeChunk = 500

// RevokeGrants ends now every running grant the filter selects (at least
// one of user, group, repository or batch must be given), a few hundred
// to a transaction, and records a grant.revoke event for each. A revocation
// cut short is finished by running it again. Only administrators may.
func (s *Service) RevokeGrants(ctx context.Context, actor auth.Identity, f GrantFilter, note string) ([]auth.Grant, error) {
	if err := requireAdmin(actor, "revoking grants"); err != nil {
		return nil, err
	}
	if f.User == "" && f.Group == "" && f.Repo == "" && f.Batch == "" {
		return nil, fmt.Errorf("%w: name what to revoke: --user, --group, --repo or --batch", auth.ErrInvalid)
	}
	note, err := cleanText("note", note, false, s.cfg.Load().MaxReason)
	if err != nil {
		return nil, err
	}
	if f.Batch != "" {
		if _, err := s.store.GetBatch(ctx, f.Batch); err != nil {
			return nil, fmt.Errorf("batch %s: %w", f.Batch, err)
		}
	}
	f.All = false
	gs, err := s.ListGrants(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	var out []auth.Grant
	for len(gs) > 0 {
		n := min(revokeChunk, len(gs))
		var ended []auth.Grant
		err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
			ended = ended[:0]
			for _, g := range gs[:n] {
				g, err := tx.Grants().Get(g.ID)
				if err != nil {
					return err
				}
				if !g.End().After(now) {
					continue // ended meanwhile
				}
				g.Ended, g.EndedBy, g.EndNote = now, actor.Name(), note
				if err := tx.Grants().Update(g); err != nil {
					return err
				}
				if err := ev.add(endEvent(g, note)); err != nil {
					return err
				}
				ended = append(ended, g)
			}
			return nil
		})
		if err != nil {
			return out, fmt.Errorf("revoked %d, then: %w; run the same revocation again to finish it", len(out), err)
		}
		out = append(out, ended...)
		gs = gs[n:]
	}
	return out, nil
}

// endEvent is the grant.revoke event of g, ended with note.
func endEvent(g auth.Grant, note string) audit.Event {
	detail := note
	if g.Batch != "" {
		if detail != "" {
			detail += "; "
		}
		detail += "batch " + g.Batch
	}
	return audit.Event{Action: "grant.revoke", Repo: g.Repo, Target: g.Subject, Grant: g.ID, Detail: detail}
}
