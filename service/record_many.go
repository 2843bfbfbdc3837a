package service

import (
	"context"
	"iter"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// recordChunk is how many events recordAll hands the audit log at once:
// enough to fill its group commits (up to 256 events per transaction and
// fsync), few enough to keep what waits in memory small, so a batch of a
// hundred thousand changes is recorded in a few hundred fsyncs.
const recordChunk = 4096

// recordAll records the events of many changes made by actor and returns
// the first error. evs makes the events as they are recorded, so that a
// large batch's are never all in memory. The changes are already made, so
// a cancelled ctx does not stop their record.
func (s *Service) recordAll(ctx context.Context, actor auth.Identity, evs iter.Seq[audit.Event]) error {
	ctx = context.WithoutCancel(ctx)
	chunk := make([]audit.Event, 0, recordChunk)
	flush := func() error {
		err := s.audit.RecordAll(ctx, chunk)
		chunk = chunk[:0]
		return err
	}
	for ev := range evs {
		chunk = append(chunk, s.fill(actor, ev))
		if len(chunk) == recordChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
