package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// errStopExport ends an export's walk early once Until is passed.
var errStopExport = errors.New("export done")

// ExportEvents streams the events that pass f, oldest first, to event, and
// the signed checkpoints of the window it walks to checkpoint, each right
// after the event it signs, so that an export verifies offline (see
// docs/audit.md). It holds one event at a time; Limit, Page and After are
// ignored. Only administrators and auditors may export; the export itself
// is audited once it is done (or failed).
func (s *Service) ExportEvents(ctx context.Context, actor auth.Identity, f EventFilter,
	event func(audit.Event) error, checkpoint func(audit.Checkpoint) error) error {
	if err := requireAuditReader(actor, "exporting the audit trail"); err != nil {
		return err
	}
	var after uint64
	var err error
	if !f.Since.IsZero() {
		after, err = s.startOf(ctx, f.Since)
		if err != nil {
			return err
		}
	}
	cps := s.store.Checkpoints()
	var upcoming uint64 // the next checkpoint's event, once looked up
	var last uint64
	n := 0
	var walkErr error
	err = s.store.Events().Scan(ctx, after, false, func(e audit.Event) bool {
		if !f.Until.IsZero() && e.Time.After(f.Until.Add(clockSlack)) {
			walkErr = errStopExport
			return false
		}
		if f.matches(e) {
			if walkErr = event(e); walkErr != nil {
				return false
			}
			n++
		}
		last = e.Seq
		if e.Seq >= upcoming {
			// One lookup per checkpoint: it finds this event's checkpoint,
			// if any, and where the next one is.
			upcoming = ^uint64(0)
			walkErr = cps.ScanCheckpoints(ctx, e.Seq, func(c audit.Checkpoint) bool {
				if c.Seq > e.Seq {
					upcoming = c.Seq
					return false
				}
				walkErr = checkpoint(c)
				return walkErr == nil
			})
			if walkErr != nil {
				return false
			}
		}
		return true
	})
	if errors.Is(walkErr, errStopExport) {
		walkErr = nil
	}
	err = errors.Join(err, walkErr)
	detail := fmt.Sprintf("%d events, up to %d", n, last)
	if err != nil {
		rerr := s.record(ctx, actor, audit.Event{Action: "audit.export", Result: "error", Detail: detail + ": " + err.Error()})
		return errors.Join(fmt.Errorf("audit export: %w", err), rerr)
	}
	return s.record(ctx, actor, audit.Event{Action: "audit.export", Detail: detail})
}

// startOf returns the sequence number after which the events of since
// begin, walking back from the newest.
func (s *Service) startOf(ctx context.Context, since time.Time) (uint64, error) {
	var after uint64
	err := s.store.Events().Scan(ctx, 0, true, func(e audit.Event) bool {
		if e.Time.Before(since.Add(-clockSlack)) {
			after = e.Seq
			return false
		}
		return true
	})
	return after, err
}
