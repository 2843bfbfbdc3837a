package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SetReceivers makes the outbox deliver to rs from now on, as a reloaded
// config says, and returns what changed, one line a receiver ("webhook
// NAME added", "removed", "changed: url, secret"); never a secret or a
// URL, which may hold a credential. A receiver keeps its cursor under its
// name: a new one starts at the end of the trail, as at start; a removed
// one stops after the delivery under way (what it had not sent stays
// behind its cursor, sent if it is configured again); a changed one
// starts again with its new settings where it was. rs must be validated
// (ValidateWebhook).
func (ob *Outbox) SetReceivers(ctx context.Context, rs []WebhookConfig) ([]string, error) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	old := map[string]*worker{}
	for _, w := range ob.current() {
		old[w.h.Name] = w
	}
	var next, added, stopped []*worker
	var changes []string
	for _, h := range rs {
		w := ob.newWorker(h)
		prev, had := old[h.Name]
		switch {
		case !had:
			added = append(added, w)
			changes = append(changes, "webhook "+h.Name+" added")
		case prev.h.URL == w.h.URL && prev.h.Secret == w.h.Secret && slices.Equal(prev.h.Events, w.h.Events) && prev.h.MaxAge == w.h.MaxAge:
			w = prev
		default:
			stopped = append(stopped, prev)
			changes = append(changes, fmt.Sprintf("webhook %s changed: %s", h.Name, changedFields(prev.h, w.h)))
		}
		delete(old, h.Name)
		next = append(next, w)
	}
	for _, w := range ob.current() {
		if _, gone := old[w.h.Name]; gone {
			stopped = append(stopped, w)
			changes = append(changes, "webhook "+w.h.Name+" removed")
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if err := ob.startCursors(ctx, added); err != nil {
		return nil, err
	}
	for _, w := range stopped {
		if w.stop != nil {
			w.stop()
			<-w.done // its progress is stored before another worker reads it
		}
	}
	ob.workers.Store(&next)
	if ob.runCtx != nil {
		for _, w := range next {
			if w.stop == nil {
				ob.start(w)
			}
		}
	}
	return changes, nil
}

// changedFields names the settings of a receiver that differ.
func changedFields(a, b WebhookConfig) string {
	var out []string
	if a.URL != b.URL {
		out = append(out, "url")
	}
	if a.Secret != b.Secret {
		out = append(out, "secret")
	}
	if !slices.Equal(a.Events, b.Events) {
		out = append(out, "events")
	}
	if a.MaxAge != b.MaxAge {
		out = append(out, "max_age "+a.MaxAge.Round(time.Second).String()+" → "+b.MaxAge.Round(time.Second).String())
	}
	return strings.Join(out, ", ")
}
