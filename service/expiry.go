package service

import (
	"context"
	"errors"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// ExpiredBy and ExpiredNote mark a grant whose expiry is on the record:
// the sweeper sets EndedBy to ExpiredBy and EndNote to ExpiredNote (Ended
// stays zero: the grant was not ended early) in the transaction that
// stages its grant.expire event, so the event is recorded once per grant,
// whoever sweeps.
const (
	ExpiredBy   = "system"
	ExpiredNote = "expired"
)

// ExpireGrants records the end of every grant that ran out at its expiry
// (not revoked or relinquished before it) and whose end is not yet on the
// record: one grant.expire event each, by system, in the same transaction
// that marks the grant (see ExpiredBy). The event is timed when it is
// recorded, like every other (the trail is in time order), and its detail
// names the expiry. It returns
// how many it recorded. The server calls it every sweep, so an expiry is
// on the record within a sweep of the end, whatever the store's TTLs do
// and whether anyone reads the grant or not.
func (s *Service) ExpireGrants(ctx context.Context) (int, error) {
	now := s.now().UTC()
	due, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Grant, error) {
		all, err := tx.Grants().ListOpen()
		if err != nil {
			return nil, err
		}
		var due []auth.Grant
		for _, g := range all {
			if g.EndedBy == "" && !g.Expires.After(now) {
				due = append(due, g)
			}
		}
		return due, nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range due {
		err := s.update(ctx, auth.System(""), func(tx storage.Tx, ev *changeEvents) error {
			cur, err := tx.Grants().Get(g.ID)
			if err != nil {
				return err
			}
			if cur.EndedBy != "" {
				return auth.ErrConflict // ended meanwhile, and recorded so
			}
			cur.EndedBy, cur.EndNote = ExpiredBy, ExpiredNote
			if err := tx.Grants().Update(cur); err != nil {
				return err
			}
			return ev.add(audit.Event{Action: "grant.expire", Repo: cur.Repo, Target: cur.Subject,
				Grant: cur.ID, Request: cur.Request, Detail: "expired at " + cur.Expires.Format(time.RFC3339)})
		})
		if errors.Is(err, auth.ErrConflict) || errors.Is(err, auth.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ExpireTokens records the end of every token that ran out at its expiry
// and was not revoked: one token.expire event each, by system, in the
// transaction that marks the token revoked (it was unusable already; the
// mark makes the event once-only). It returns how many it recorded.
func (s *Service) ExpireTokens(ctx context.Context) (int, error) {
	now := s.now().UTC()
	due, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Token, error) {
		users, err := tx.Users().List()
		if err != nil {
			return nil, err
		}
		var due []auth.Token
		for _, u := range users {
			ts, err := tx.Tokens().List(u.Name)
			if err != nil {
				return nil, err
			}
			for _, t := range ts {
				if !t.Revoked && !t.Expires.IsZero() && !t.Expires.After(now) {
					due = append(due, t)
				}
			}
		}
		return due, nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range due {
		err := s.update(ctx, auth.System(""), func(tx storage.Tx, ev *changeEvents) error {
			cur, err := tx.Tokens().Get(t.ID)
			if err != nil {
				return err
			}
			if cur.Revoked {
				return auth.ErrConflict
			}
			cur.Revoked = true
			if err := tx.Tokens().Update(cur); err != nil {
				return err
			}
			return ev.add(audit.Event{Action: "token.expire", Target: cur.User,
				Detail: "token " + cur.ID + " expired at " + cur.Expires.Format(time.RFC3339)})
		})
		if errors.Is(err, auth.ErrConflict) || errors.Is(err, auth.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
