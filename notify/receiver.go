// Package notify tells other systems what happened: signed JSON webhooks
// of request and grant events, delivered from a durable outbox. The audit
// trail is the outbox: a worker per receiver reads the events after the
// receiver's stored cursor, so nothing a change records is lost to a slow
// or dead receiver or a crash, and no change or decision waits for a
// delivery.
package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/redact"
)

// WebhookConfig is one receiver of event notifications, e.g. a chat
// integration that tells approvers about new requests.
type WebhookConfig struct {
	// Name identifies the receiver: its cursor and its deliveries are kept
	// under it, so renaming a receiver starts it afresh. Default: the
	// URL's host.
	Name string
	URL  string
	// Secret signs each delivery: X-Jitgit-Signature: t=<unix>,sha256=<hex
	// HMAC-SHA256 of "<t>.<body>">; see docs/webhooks.md.
	Secret string
	// Events are audit actions ("request.create") or prefixes ending in
	// "." ("request."). Empty: DefaultWebhookEvents.
	Events []string
	// MaxAge is how long an event is retried before it is given up
	// (0: DefaultMaxAge).
	MaxAge time.Duration
}

// DefaultMaxAge is how long a delivery is retried by default.
const DefaultMaxAge = 24 * time.Hour

// DefaultWebhookEvents are sent when a webhook names none: every request
// and grant event (expiring soon included), break-glass use and mirror
// events. Failed mirror syncs (repo.sync) and failed audit verifications
// (audit.verify) are sent too, but not their successes.
var DefaultWebhookEvents = []string{"request.", "grant.", "breakglass.", "mirror."}

// ValidateWebhook checks a receiver's configuration and fills in its
// defaults.
func ValidateWebhook(c WebhookConfig) (WebhookConfig, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return c, fmt.Errorf("webhook url %q: use http(s)://host/path, without credentials (sign with secret instead)", redact.URL(c.URL))
	}
	if c.Name == "" {
		c.Name = u.Host
	}
	if c.Name == "" || strings.ContainsAny(c.Name, "/ \t\n") || len(c.Name) > 100 {
		return c, fmt.Errorf("webhook %s: name %q: use up to 100 characters without '/' or spaces", u.Host, c.Name)
	}
	for _, e := range c.Events {
		if e == "" || strings.ContainsAny(e, " \t\n") {
			return c, fmt.Errorf("webhook %s: event %q: use an action (request.create) or a prefix (request.)", c.Name, e)
		}
	}
	switch {
	case c.MaxAge == 0:
		c.MaxAge = DefaultMaxAge
	case c.MaxAge < time.Minute || c.MaxAge > 30*24*time.Hour:
		return c, fmt.Errorf("webhook %s: max_age %s: use between 1m and 30d", c.Name, c.MaxAge)
	}
	return c, nil
}

// wants reports whether receiver h is sent event e.
func wants(h WebhookConfig, e audit.Event) bool {
	events := h.Events
	if len(events) == 0 {
		if (e.Action == "repo.sync" || e.Action == "audit.verify") && e.Result != "ok" {
			return true
		}
		events = DefaultWebhookEvents
	}
	for _, ev := range events {
		if ev == e.Action || (strings.HasSuffix(ev, ".") && strings.HasPrefix(e.Action, ev)) {
			return true
		}
	}
	return false
}
