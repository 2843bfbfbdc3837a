package notify

import (
	"context"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
)

// ReceiverStats is where one receiver's outbox stands, computed from the
// store, so it is right after a restart too.
type ReceiverStats struct {
	Name string
	// Behind is how many events of the trail are after the cursor.
	Behind uint64
	// Oldest is the time of the oldest event behind the cursor that the
	// receiver wants; zero when there is none (within a bounded look).
	Oldest time.Time
	// Failures counts failed attempts since the server started.
	Failures int64
}

// Stats returns the state of every receiver's outbox.
func (ob *Outbox) Stats(ctx context.Context) ([]ReceiverStats, error) {
	top, err := head(ctx, ob.store)
	if err != nil {
		return nil, err
	}
	ws := ob.current()
	out := make([]ReceiverStats, 0, len(ws))
	for _, w := range ws {
		var cursor uint64
		if err := ob.store.View(ctx, func(tx storage.Tx) error {
			var err error
			cursor, _, err = tx.Deliveries().Cursor(w.h.Name)
			return err
		}); err != nil {
			return nil, err
		}
		st := ReceiverStats{Name: w.h.Name, Failures: w.failures.Load()}
		if top > cursor {
			st.Behind = top - cursor
			read := 0
			if err := ob.store.Events().Scan(ctx, cursor, false, func(e audit.Event) bool {
				read++
				if wants(w.h, e) {
					st.Oldest = e.Time
					return false
				}
				return read < readAhead
			}); err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}
