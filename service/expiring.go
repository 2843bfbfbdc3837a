package service

import (
	"context"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// DefaultExpiringSoon is how long before its end a grant counts as
// ending soon, when Config.ExpiringSoon is zero.
const DefaultExpiringSoon = 10 * time.Minute

// expiringSoon returns the lead in force.
func (s *Service) expiringSoon() time.Duration {
	if s.cfg.Load().ExpiringSoon > 0 {
		return s.cfg.Load().ExpiringSoon
	}
	return DefaultExpiringSoon
}

// EndingSoon reports whether a grant that ends at end is within the lead
// of its end at now: what the transports and pages mark, and warn of.
func (s *Service) EndingSoon(end, now time.Time) bool {
	return !end.IsZero() && end.After(now) && !end.After(now.Add(s.expiringSoon()))
}

// ExpiringSoon is the lead time before a grant's end at which it is
// announced and marked as ending soon.
func (s *Service) ExpiringSoon() time.Duration { return s.expiringSoon() }

// WarnExpiring records a grant.expiring event, by system, for every running
// grant that ends within the lead and has not had one: the webhooks send
// it like any other event. It returns how many it recorded. The trail is
// the memory of what was warned: a grant warned of at T is within the lead
// until it ends, so the events of the last lead (and a minute of slack)
// say which grants have had theirs, and each grant gets one.
func (s *Service) WarnExpiring(ctx context.Context) (int, error) {
	now := s.now()
	lead := s.expiringSoon()
	warned := map[string]bool{}
	err := s.store.Events().Scan(ctx, 0, true, func(e audit.Event) bool {
		if e.Time.Before(now.Add(-lead - clockSlack)) {
			return false
		}
		if e.Action == "grant.expiring" {
			warned[e.Grant] = true
		}
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("expiring grants: read the trail: %w", err)
	}
	grants, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().ListOpen() })
	if err != nil {
		return 0, fmt.Errorf("expiring grants: %w", err)
	}
	var due []auth.Grant
	for _, g := range grants {
		if !warned[g.ID] && !g.Starts.After(now) && s.EndingSoon(g.End(), now) {
			due = append(due, g)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	err = s.update(ctx, auth.System("sweeper"), func(tx storage.Tx, ev *changeEvents) error {
		for _, g := range due {
			end := g.End()
			if err := ev.add(audit.Event{Action: "grant.expiring", Repo: g.Repo, Target: g.Subject, Grant: g.ID,
				Detail: fmt.Sprintf("%s ends at %s (in %s)", g.Level, end.UTC().Format(time.RFC3339), auth.FormatDuration(end.Sub(now)))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("expiring grants: %w", err)
	}
	return len(due), nil
}
