package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// Payload is the JSON body a receiver gets; docs/webhooks.md is its
// schema. Fields are only ever added.
type Payload struct {
	// ID is unique to the event (its hash in the audit chain): the same
	// event delivered twice has the same ID, so a receiver drops repeats.
	ID string `json:"id"`
	// Seq orders the events of one server.
	Seq uint64 `json:"seq"`
	// Type is the audit action, e.g. "request.create", "grant.expiring".
	Type string `json:"type"`
	// Timestamp is when it happened.
	Timestamp time.Time `json:"timestamp"`
	// Text says it in one line for Slack-compatible chat, with links
	// (<url|label>) to act on it.
	Text string `json:"text"`
	// URL is the page to act on, when there is one.
	URL   string      `json:"url,omitempty"`
	Event audit.Event `json:"event"`
}

// SignatureHeader carries the signature of a delivery.
const SignatureHeader = "X-Jitgit-Signature"

// Sign returns the signature header value of body sent at t:
// "t=<unix seconds>,sha256=<hex HMAC-SHA256 over "<unix seconds>.<body>">".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",sha256=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header as a receiver should (the procedure of
// docs/webhooks.md): the HMAC over its timestamp and body matches, and
// the timestamp is within tolerance of now, so a captured delivery cannot
// be replayed later.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "sha256":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("signature header: want t=<unix seconds>,sha256=<hex>")
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return errors.New("signature does not match the body")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp is %s away from now: too old or replayed", d.Round(time.Second))
	}
	return nil
}

// newPayload builds the body of one event.
func newPayload(e audit.Event, publicURL string) Payload {
	act := actURL(e, publicURL)
	return Payload{ID: e.Hash, Seq: e.Seq, Type: e.Action, Timestamp: e.Time, Text: eventText(e, act), URL: act, Event: e}
}

// eventText says in one line what happened, in Slack's mrkdwn: user text
// is escaped, so a reason cannot forge a link or a mention.
func eventText(e audit.Event, act string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Action, slackEscape(e.Actor))
	if e.Target != "" && e.Target != e.Actor && e.Target != auth.UserPrincipal(e.Actor) {
		fmt.Fprintf(&b, " → %s", slackEscape(e.Target))
	}
	if e.Repo != "" {
		fmt.Fprintf(&b, " on %s", slackEscape(e.Repo))
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", slackEscape(e.Detail))
	}
	if e.Result != "" && e.Result != "ok" {
		fmt.Fprintf(&b, " [%s]", slackEscape(e.Result))
	}
	if act != "" {
		fmt.Fprintf(&b, " <%s|%s>", act, actLabel(e))
	}
	return b.String()
}

// slackEscape escapes the three characters Slack's mrkdwn gives meaning.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func actLabel(e audit.Event) string {
	switch {
	case e.Action == "request.create":
		return "review"
	case e.Action == "grant.expiring":
		return "extend"
	case e.Request != "":
		return "open request"
	case strings.HasPrefix(e.Action, "repo.") || strings.HasPrefix(e.Action, "mirror."):
		return "open repository"
	}
	return "open"
}

// actURL is the page to act on: the request for request events, the form
// to extend for a grant ending soon, the repository for mirror events.
func actURL(e audit.Event, publicURL string) string {
	if publicURL == "" {
		return ""
	}
	switch {
	case e.Action == "grant.expiring" && e.Repo != "":
		q := url.Values{"repo": {e.Repo}}
		if lvl, _, ok := strings.Cut(e.Detail, " "); ok {
			if _, err := auth.ParseLevel(lvl); err == nil {
				q.Set("access", lvl)
			}
		}
		return publicURL + "/requests/new?" + q.Encode()
	case e.Request != "":
		return publicURL + "/requests/" + url.PathEscape(e.Request)
	case (strings.HasPrefix(e.Action, "repo.") || strings.HasPrefix(e.Action, "mirror.")) && e.Repo != "" && !strings.Contains(e.Repo, "*"):
		return publicURL + "/" + e.Repo
	}
	return ""
}
