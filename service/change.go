package service

import (
	"context"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// changeEvents collects the audit events of one change, staged in the
// change's own transaction (storage.Intents): the change and its events
// commit together or not at all.
type changeEvents struct {
	s      *Service
	tx     storage.Tx
	actor  auth.Identity
	staged []audit.Event
}

// add stages ev as done by the change's actor.
func (c *changeEvents) add(ev audit.Event) error {
	ev = c.s.fill(c.actor, ev)
	staged, err := c.tx.Intents().Stage(ev)
	if err != nil {
		return err
	}
	c.staged = append(c.staged, staged)
	return nil
}

// update runs fn in one read-write transaction of the store; the events fn
// adds commit with what it writes and are then appended to the audit
// chain. When fn runs more than once (a conflict), only the last run's
// events count.
//
// Once the transaction has committed, the change is done and update
// returns nil even if appending its events fails or misses the audit
// deadline: they are on disk as intents, and the audit log's Recover (at
// start and every sweep) appends them. Reporting a done change as failed
// would invite a retry that does it twice.
func (s *Service) update(ctx context.Context, actor auth.Identity, fn func(tx storage.Tx, ev *changeEvents) error) error {
	var staged []audit.Event
	err := s.store.Update(ctx, func(tx storage.Tx) error {
		c := &changeEvents{s: s, tx: tx, actor: actor}
		staged = nil
		if err := fn(tx, c); err != nil {
			return err
		}
		staged = c.staged
		return nil
	})
	if err != nil {
		return err
	}
	_ = s.audit.RecordAll(ctx, staged) // see above: Recover finishes what this leaves
	return nil
}

// fill completes an event of actor: who (unless the event names someone
// the change acts for, as a sign-in that creates its user), from where,
// over what, when, and "ok" unless it says otherwise.
func (s *Service) fill(actor auth.Identity, ev audit.Event) audit.Event {
	if ev.Actor == "" {
		ev.Actor = actor.Name()
	}
	if ev.Remote == "" {
		ev.Remote = actor.Remote
	}
	if ev.Transport == "" {
		ev.Transport = actor.Transport
	}
	if ev.Result == "" {
		ev.Result = "ok"
	}
	if ev.Time.IsZero() {
		ev.Time = s.now().UTC()
	}
	return ev
}

// RecoverAudit appends the audit events of changes that committed without
// reaching the chain (the server stopped in between); the server calls it
// at start and with every sweep.
func (s *Service) RecoverAudit(ctx context.Context) (int, error) {
	return s.audit.Recover(ctx)
}
