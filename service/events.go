package service

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// EventFilter narrows Events.
type EventFilter struct {
	Since  time.Time
	User   string // actor or target
	Repo   string
	Action string    // exact, or a prefix of whole parts: "grant" and "grant." find "grant.revoke"
	Until  time.Time // events before it; zero: no end
	Result string    // "allow", "deny", "ok", "error"; empty: any
	// Limit asks for the newest Limit matching events. 0: all.
	Limit int
	// Page, when set, asks instead for at most Page matching events after
	// sequence number After, oldest first: one page of the whole trail.
	Page  int
	After uint64
}

// matches reports whether e passes the filter's conditions.
func (f EventFilter) matches(e audit.Event) bool {
	switch {
	case !f.Since.IsZero() && e.Time.Before(f.Since):
	case !f.Until.IsZero() && !e.Time.Before(f.Until):
	case f.Result != "" && e.Result != f.Result:
	case f.User != "" && e.Actor != f.User && e.Target != f.User && e.Target != auth.UserPrincipal(f.User):
	case f.Repo != "" && e.Repo != f.Repo:
	case f.Action != "" && e.Action != f.Action && !strings.HasPrefix(e.Action, strings.TrimSuffix(f.Action, ".")+"."):
	default:
		return true
	}
	return false
}

// clockSlack covers events recorded slightly out of time order (their time
// is taken before they queue for the writer).
const clockSlack = time.Minute

// Events returns audit events oldest first. It reads the trail as a stream:
// the newest Limit events come from a backwards scan that stops at Since,
// so a recent window costs what is in it, not the whole trail. Only
// administrators may read the audit trail.
func (s *Service) Events(ctx context.Context, actor auth.Identity, f EventFilter) ([]audit.Event, error) {
	if err := requireAuditReader(actor, "reading the audit trail"); err != nil {
		return nil, err
	}
	var out []audit.Event
	var err error
	if f.Limit > 0 && f.Page == 0 {
		err = s.store.Events().Scan(ctx, 0, true, func(e audit.Event) bool {
			if !f.Since.IsZero() && e.Time.Before(f.Since.Add(-clockSlack)) {
				return false
			}
			if f.matches(e) {
				out = append(out, e)
			}
			return len(out) < f.Limit
		})
		slices.Reverse(out)
	} else {
		after := f.After
		if after == 0 && !f.Since.IsZero() {
			// Find where Since begins by walking back from the newest.
			err = s.store.Events().Scan(ctx, 0, true, func(e audit.Event) bool {
				if e.Time.Before(f.Since.Add(-clockSlack)) {
					after = e.Seq
					return false
				}
				return true
			})
		}
		if err == nil {
			err = s.store.Events().Scan(ctx, after, false, func(e audit.Event) bool {
				if f.matches(e) {
					out = append(out, e)
				}
				return f.Page == 0 || len(out) < f.Page
			})
		}
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return out, nil
}

// SyncPolicies makes the stored policies from source equal to ps: it adds
// and replaces ps and deletes the others of that source, and records each
// policy added, changed or removed. The server calls it at start with the
// policies of its config file.
func (s *Service) SyncPolicies(ctx context.Context, source string, ps []auth.Policy) error {
	seen := map[string]bool{}
	for _, p := range ps {
		p.Source = source
		if err := p.Validate(); err != nil {
			return err
		}
		if seen[p.ID] {
			return fmt.Errorf("%w: policy %q is defined twice", auth.ErrInvalid, p.ID)
		}
		seen[p.ID] = true
	}
	for i := range ps {
		ps[i].Source = source
	}
	return syncConfig(ctx, s, source, ps, configRecords[auth.Policy]{
		kind:     "policy",
		id:       func(p auth.Policy) string { return p.ID },
		source:   func(p auth.Policy) string { return p.Source },
		list:     func(tx storage.Tx) ([]auth.Policy, error) { return tx.Policies().List() },
		put:      func(tx storage.Tx, p auth.Policy) error { return tx.Policies().Put(p) },
		del:      func(tx storage.Tx, id string) error { return tx.Policies().Delete(id) },
		describe: describePolicy,
	})
}

// Policies lists the standing policies.
func (s *Service) Policies(ctx context.Context) ([]auth.Policy, error) {
	return read(ctx, s.store, func(tx storage.Tx) ([]auth.Policy, error) { return tx.Policies().List() })
}

// Backup writes a snapshot of the database (users, tokens, keys, grants,
// requests, policies, the audit trail) to w. Only administrators may; the
// backup is audited before it starts, since it holds every secret's hash.
func (s *Service) Backup(ctx context.Context, actor auth.Identity, w io.Writer) error {
	if err := requireAdmin(actor, "backing up the database"); err != nil {
		return err
	}
	if err := s.record(ctx, actor, audit.Event{Action: "backup"}); err != nil {
		return err
	}
	return s.store.Backup(ctx, w)
}
