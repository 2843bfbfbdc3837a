// Package notify tells other systems what happened: signed JSON webhooks of
// request and grant events, delivered from a bounded queue so a slow receiver
// never delays a decision.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/redact"
)

// WebhookConfig is one receiver of event notifications, e.g. a chat
// integration that tells approvers about new requests.
type WebhookConfig struct {
	URL string
	// Secret signs each body: X-Jitgit-Signature: sha256=<hex HMAC-SHA256>.
	Secret string
	// Events are audit actions ("request.create") or prefixes ending in
	// "." ("request."). Empty: every request event and grant change.
	Events []string
}

// DefaultWebhookEvents are sent when a webhook names none.
var DefaultWebhookEvents = []string{"request.", "grant."}

// ValidateWebhook checks a receiver's configuration.
func ValidateWebhook(c WebhookConfig) error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return fmt.Errorf("webhook url %q: use http(s)://host/path, without credentials (sign with secret instead)", redact.URL(c.URL))
	}
	for _, e := range c.Events {
		if e == "" || strings.ContainsAny(e, " \t\n") {
			return fmt.Errorf("webhook %s: event %q: use an action (request.create) or a prefix (request.)", u.Host, e)
		}
	}
	return nil
}

// WebhookPayload is the JSON body a receiver gets.
type WebhookPayload struct {
	Event audit.Event `json:"event"`
	Text  string      `json:"text"`          // one line for a chat message
	URL   string      `json:"url,omitempty"` // where to act on it
}

// Webhooks delivers audit events to HTTP receivers from a bounded queue,
// so that a slow or dead receiver never slows an access decision. A
// delivery is tried three times; what still fails is logged and dropped.
type Webhooks struct {
	hooks     []WebhookConfig
	publicURL string
	client    *http.Client
	log       *slog.Logger
	queue     chan audit.Event
	backoff   []time.Duration
	drainFor  time.Duration
}

// NewWebhooks returns a deliverer; call Run to start it and Notify (as an
// audit.Log watcher) to feed it.
func NewWebhooks(hooks []WebhookConfig, publicURL string, client *http.Client, log *slog.Logger) *Webhooks {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Webhooks{hooks: hooks, publicURL: strings.TrimRight(publicURL, "/"), client: client, log: log,
		queue: make(chan audit.Event, 1000), backoff: []time.Duration{time.Second, 5 * time.Second}, drainFor: 5 * time.Second}
}

// Notify queues an event for the receivers that want it. It never blocks:
// when the queue is full the event is dropped and logged (the audit trail
// has it regardless).
func (w *Webhooks) Notify(e audit.Event) {
	if !w.wanted(e) {
		return
	}
	select {
	case w.queue <- e:
	default:
		w.log.Warn("webhook queue full; event not sent", "seq", e.Seq, "action", e.Action)
	}
}

func (w *Webhooks) wanted(e audit.Event) bool {
	for _, h := range w.hooks {
		if wants(h, e.Action) {
			return true
		}
	}
	return false
}

func wants(h WebhookConfig, action string) bool {
	events := h.Events
	if len(events) == 0 {
		events = DefaultWebhookEvents
	}
	for _, ev := range events {
		if ev == action || (strings.HasSuffix(ev, ".") && strings.HasPrefix(action, ev)) {
			return true
		}
	}
	return false
}

// Run delivers queued events until ctx ends. It then goes on delivering
// what is already queued, for five seconds at most, so that the requests
// and grants of a server's last moments are still announced, and returns
// once no delivery runs.
func (w *Webhooks) Run(ctx context.Context) {
	// Deliveries outlive ctx by drainFor, so that the one under way when
	// the stop comes is not cut off either.
	deliveries, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(w.drainFor, cancel) })()
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case e := <-w.queue:
			w.send(deliveries, e)
		}
	}
	for deliveries.Err() == nil {
		select {
		case e := <-w.queue:
			w.send(deliveries, e)
		default:
			return
		}
	}
	if n := len(w.queue); n > 0 {
		w.log.Warn("webhook: events not sent at shutdown", "events", n)
	}
}

// send delivers e to every receiver that wants it.
func (w *Webhooks) send(ctx context.Context, e audit.Event) {
	for _, h := range w.hooks {
		if wants(h, e.Action) {
			w.deliver(ctx, h, e)
		}
	}
}

func (w *Webhooks) deliver(ctx context.Context, h WebhookConfig, e audit.Event) {
	body, err := json.Marshal(WebhookPayload{Event: e, Text: eventText(e), URL: w.eventURL(e)})
	if err != nil {
		w.log.Error("webhook: encode", "err", err)
		return
	}
	host := h.URL
	if u, err := url.Parse(h.URL); err == nil {
		host = u.Host
	}
	for attempt := 0; ; attempt++ {
		err = w.post(ctx, h, body)
		if err == nil {
			return
		}
		if attempt == len(w.backoff) || ctx.Err() != nil {
			w.log.Warn("webhook: not delivered", "to", host, "seq", e.Seq, "action", e.Action, "err", err)
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(w.backoff[attempt]):
		}
	}
}

func (w *Webhooks) post(ctx context.Context, h WebhookConfig, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "jitgit-webhook")
	if h.Secret != "" {
		mac := hmac.New(sha256.New, []byte(h.Secret))
		mac.Write(body)
		req.Header.Set("X-Jitgit-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := w.client.Do(req)
	if err != nil {
		// A *url.Error quotes the whole URL, whose path or query is often
		// the receiver's credential; the caller logs the host instead.
		var ue *url.Error
		if errors.As(err, &ue) {
			return ue.Err
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}

// eventText says in one line what happened, for a chat message.
func eventText(e audit.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Action, e.Actor)
	if e.Target != "" && e.Target != e.Actor && e.Target != auth.UserPrincipal(e.Actor) {
		fmt.Fprintf(&b, " → %s", e.Target)
	}
	if e.Repo != "" {
		fmt.Fprintf(&b, " on %s", e.Repo)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	if e.Result != "" && e.Result != "ok" {
		fmt.Fprintf(&b, " [%s]", e.Result)
	}
	return b.String()
}

// eventURL is the page to act on: the request, for request events.
func (w *Webhooks) eventURL(e audit.Event) string {
	if e.Request != "" && w.publicURL != "" {
		return w.publicURL + "/requests/" + url.PathEscape(e.Request)
	}
	return ""
}
