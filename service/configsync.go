package service

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// configRecords is what syncConfig needs of one kind of record the config
// file defines (policies, protection rules).
type configRecords[T any] struct {
	kind     string // in messages and as the audit action's prefix: "policy"
	id       func(T) string
	source   func(T) string
	list     func(storage.Tx) ([]T, error)
	put      func(storage.Tx, T) error
	del      func(storage.Tx, string) error
	describe func(T) string
}

// syncConfig makes the stored records of source equal to want, one
// transaction per record that changes (a backend bounds a transaction's
// size, and a config file may hold many), each with its audit event:
// <kind>.add, <kind>.change (before and after) or <kind>.remove, by the
// system on behalf of source. Records that did not change leave no event,
// so a restart with the same file records nothing.
func syncConfig[T any](ctx context.Context, s *Service, source string, want []T, r configRecords[T]) error {
	cur, err := read(ctx, s.store, func(tx storage.Tx) ([]T, error) { return r.list(tx) })
	if err != nil {
		return err
	}
	stored := map[string]T{}
	for _, c := range cur {
		stored[r.id(c)] = c
	}
	actor := auth.System(source)
	seen := map[string]bool{}
	for _, w := range want {
		id := r.id(w)
		seen[id] = true
		old, had := stored[id]
		if had && reflect.DeepEqual(old, w) {
			continue
		}
		ev := audit.Event{Action: r.kind + ".add", Policy: id, Detail: r.describe(w)}
		if had {
			ev.Action, ev.Detail = r.kind+".change", r.describe(old)+" → "+r.describe(w)
		}
		err := s.update(ctx, actor, func(tx storage.Tx, evs *changeEvents) error {
			if err := r.put(tx, w); err != nil {
				return err
			}
			return evs.add(ev)
		})
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.kind, id, err)
		}
	}
	for _, c := range cur {
		id := r.id(c)
		if r.source(c) != source || seen[id] {
			continue
		}
		err := s.update(ctx, actor, func(tx storage.Tx, evs *changeEvents) error {
			if err := r.del(tx, id); err != nil {
				return err
			}
			return evs.add(audit.Event{Action: r.kind + ".remove", Policy: id, Detail: r.describe(c)})
		})
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.kind, id, err)
		}
	}
	return nil
}

// describePolicy is a policy in one line of the audit trail.
func describePolicy(p auth.Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s subjects=%s repos=%s", p.Effect, strings.Join(p.Subjects, ","), strings.Join(p.Repos, ","))
	if p.Level != 0 {
		fmt.Fprintf(&b, " access=%s", p.Level)
	}
	if p.Approve {
		b.WriteString(" approve")
	}
	if p.AutoMax > 0 {
		fmt.Fprintf(&b, " auto=%s up to %s", p.AutoLevel, auth.FormatDuration(p.AutoMax))
	}
	if p.Approvals > 0 {
		fmt.Fprintf(&b, " approvals=%d", p.Approvals)
	}
	return b.String()
}

// describeProtection is a protection rule in one line of the audit trail.
func describeProtection(p auth.Protection) string {
	return fmt.Sprintf("%s %s forbids %s", p.Repo, p.Ref, p.Forbid)
}
