package service

import (
	"context"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// recordChunk is how many events recordAll hands the audit log at once:
// enough to fill its group commits (up to 256 events per transaction and
// fsync), few enough to keep what waits in memory small, so a batch of a
// hundred thousand changes is recorded in a few hundred fsyncs.
const recordChunk = 4096

// recordAll records the events of many changes made by actor and returns
// the first error. The changes are already made, so a cancelled ctx does
// not stop their record.
func (s *Service) recordAll(ctx context.Context, actor auth.Identity, evs []audit.Event) error {
	ctx = context.WithoutCancel(ctx)
	for len(evs) > 0 {
		n := min(recordChunk, len(evs))
		chunk := make([]audit.Event, n)
		for i, ev := range evs[:n] {
			chunk[i] = s.fill(actor, ev)
		}
		if err := s.audit.RecordAll(ctx, chunk); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}
