package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// MaxEventPage bounds one page of EventPage.
const MaxEventPage = 200

// maxEventScan bounds the events one page reads: a filter that matches
// little stops there and says where to go on, so one page never walks a
// trail of millions.
const maxEventScan = 50000

// EventCursor is where a page of the trail starts: newest first before
// the event Before (from the newest when both are 0), or oldest first
// after the event After (the page of newer events, shown newest first).
type EventCursor struct {
	Before, After uint64
}

// EventPage is one page of the trail, newest first.
type EventPage struct {
	Events []audit.Event
	// Older and Newer are the cursors of the neighbouring pages; a zero
	// cursor means there is none.
	Older, Newer EventCursor
	// Stopped is set when the page read maxEventScan events without
	// filling up: Older goes on from there.
	Stopped bool
}

// EventPage returns one page of at most limit events matching f (its
// Limit, Page and After are ignored) at cursor c. Only administrators may
// read the audit trail.
func (s *Service) EventPage(ctx context.Context, actor auth.Identity, f EventFilter, c EventCursor, limit int) (EventPage, error) {
	if err := requireAdmin(actor, "reading the audit trail"); err != nil {
		return EventPage{}, err
	}
	limit = min(max(limit, 1), MaxEventPage)
	var p EventPage
	scanned := 0
	var last uint64 // the last event read, matching or not
	more := false   // a matching event beyond the page exists
	newestFirst := c.After == 0
	from := c.Before
	if !newestFirst {
		from = c.After
	}
	err := s.store.Events().Scan(ctx, from, newestFirst, func(e audit.Event) bool {
		if newestFirst && !f.Since.IsZero() && e.Time.Before(f.Since.Add(-clockSlack)) {
			return false
		}
		if !newestFirst && !f.Until.IsZero() && !e.Time.Before(f.Until.Add(clockSlack)) {
			return false
		}
		if f.matches(e) {
			if len(p.Events) == limit {
				more = true
				return false
			}
			p.Events = append(p.Events, e)
		}
		last = e.Seq
		if scanned++; scanned >= maxEventScan && len(p.Events) < limit {
			p.Stopped = true
			return false
		}
		return true
	})
	if err != nil {
		return EventPage{}, fmt.Errorf("audit: %w", err)
	}
	if !newestFirst {
		slices.Reverse(p.Events)
	}
	if len(p.Events) > 0 {
		newest, oldest := p.Events[0].Seq, p.Events[len(p.Events)-1].Seq
		if newestFirst {
			if more || p.Stopped {
				p.Older = EventCursor{Before: oldest}
			}
			if c.Before != 0 {
				p.Newer = EventCursor{After: newest}
			}
		} else {
			p.Older = EventCursor{Before: oldest}
			if more || p.Stopped {
				p.Newer = EventCursor{After: newest}
			}
		}
	} else if p.Stopped {
		if newestFirst {
			p.Older = EventCursor{Before: last}
		} else {
			p.Newer = EventCursor{After: last}
		}
	}
	return p, nil
}
