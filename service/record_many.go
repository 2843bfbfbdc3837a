package service

import (
	"cmp"
	"context"
	"iter"
	"sync"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// recordWriters is how many events recordAll queues at once: enough to
// fill the audit log's group commit (audit.Log writes up to 256 events per
// transaction and fsync), so a batch of a hundred thousand changes is
// recorded in a few hundred fsyncs, not one per event.
const recordWriters = 320

// recordAll records the events of many changes made by actor, each through
// s.record, and returns the first error. evs makes the events as they are
// recorded, so that a large batch's are never all in memory. The changes
// are already made, so a cancelled ctx does not stop their record.
func (s *Service) recordAll(ctx context.Context, actor auth.Identity, evs iter.Seq[audit.Event]) error {
	ctx = context.WithoutCancel(ctx)
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	work := make(chan audit.Event)
	spawned := 0
	for ev := range evs {
		if spawned < recordWriters {
			spawned++
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ev := range work {
					if err := s.record(ctx, actor, ev); err != nil {
						mu.Lock()
						first = cmp.Or(first, err)
						mu.Unlock()
					}
				}
			}()
		}
		work <- ev
	}
	close(work)
	wg.Wait()
	return first
}
