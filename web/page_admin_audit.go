package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// auditData is one page of the audit trail with its filter.
type auditData struct {
	User, Repo, Action, Result, Since, Until string
	Results                                  []string
	Events                                   []audit.Event
	Older, Newer, First                      string // links; "" when there is none
	Stopped                                  bool
	Failed                                   string // the filter field an error names
}

// auditPageSize is how many events one page of the audit page shows.
const auditPageSize = 50

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	q := r.URL.Query()
	d := auditData{User: strings.TrimSpace(q.Get("user")), Repo: strings.TrimSpace(q.Get("repo")), Action: strings.TrimSpace(q.Get("action")),
		Result: q.Get("result"), Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until")),
		Results: []string{"allow", "deny", "ok", "error"}}
	f := service.EventFilter{User: d.User, Repo: d.Repo, Action: d.Action, Result: d.Result}
	var c service.EventCursor
	err := func() error {
		now := h.pg.now()
		if d.Result != "" && d.Result != "allow" && d.Result != "deny" && d.Result != "ok" && d.Result != "error" {
			d.Failed = "result"
			return fmt.Errorf("%w: result %q: choose allow, deny, ok or error", auth.ErrInvalid, d.Result)
		}
		var err error
		if d.Since != "" {
			if f.Since, err = parseSince(d.Since, now); err != nil {
				d.Failed = "since"
				return err
			}
		}
		if d.Until != "" {
			if f.Until, err = parseSince(d.Until, now); err != nil {
				d.Failed = "until"
				return fmt.Errorf("%w: until %q: use a duration back from now (2h, 7d) or a time (2026-01-02 or RFC 3339)", auth.ErrInvalid, d.Until)
			}
		}
		for k, p := range map[string]*uint64{"before": &c.Before, "after": &c.After} {
			if s := q.Get(k); s != "" {
				if *p, err = strconv.ParseUint(s, 10, 64); err != nil {
					return fmt.Errorf("%w: %s %q: start again from the first page", auth.ErrInvalid, k, s)
				}
			}
		}
		return nil
	}()
	msg, status := "", http.StatusOK
	if err == nil {
		var p service.EventPage
		if p, err = h.svc.EventPage(r.Context(), v.who, f, c, auditPageSize); err == nil {
			d.Events, d.Stopped = p.Events, p.Stopped
			for i := range d.Events {
				d.Events[i] = escapedEvent(d.Events[i])
			}
			if p.Older != (service.EventCursor{}) {
				d.Older = d.link(p.Older)
			}
			if p.Newer != (service.EventCursor{}) {
				d.Newer = d.link(p.Newer)
			}
			if c != (service.EventCursor{}) {
				d.First = d.link(service.EventCursor{})
			}
		}
	}
	if err != nil {
		if pageStatus(err) == http.StatusInternalServerError {
			return err
		}
		msg, status = friendly(err), pageStatus(err)
	}
	vw := v.view("Audit trail", "audit", d)
	vw.Error = msg
	h.render(w, status, "admin_audit", vw)
	return nil
}

// link is the audit page at cursor c with the same filter.
func (d auditData) link(c service.EventCursor) string {
	q := url.Values{}
	for k, v := range map[string]string{"user": d.User, "repo": d.Repo, "action": d.Action, "result": d.Result, "since": d.Since, "until": d.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	switch {
	case c.Before != 0:
		q.Set("before", strconv.FormatUint(c.Before, 10))
	case c.After != 0:
		q.Set("after", strconv.FormatUint(c.After, 10))
	}
	return "/admin/audit?" + q.Encode()
}

// escapedEvent is ev with every text field escaped (audit.Escape):
// html/template makes text safe for HTML, not for the reader's eye, and a
// bidi override in an old reason would reorder the row around it.
func escapedEvent(ev audit.Event) audit.Event {
	for _, f := range []*string{&ev.Actor, &ev.Remote, &ev.Transport, &ev.Action, &ev.Repo, &ev.Target, &ev.Result, &ev.Grant, &ev.Policy, &ev.Request, &ev.Detail} {
		*f = audit.Escape(*f)
	}
	return ev
}
