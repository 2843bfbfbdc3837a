package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/service"
)

// auditData is the audit trail with its filter.
type auditData struct {
	User, Repo, Action, Since string
	Events                    []audit.Event
	Limit                     int
}

// auditPageLimit is how many events the audit page shows, newest first.
const auditPageLimit = 500

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	q := r.URL.Query()
	d := auditData{User: strings.TrimSpace(q.Get("user")), Repo: strings.TrimSpace(q.Get("repo")),
		Action: strings.TrimSpace(q.Get("action")), Since: strings.TrimSpace(q.Get("since")), Limit: auditPageLimit}
	f := service.EventFilter{User: d.User, Repo: d.Repo, Action: d.Action, Limit: auditPageLimit}
	msg, status := "", http.StatusOK
	if d.Since != "" {
		t, err := parseSince(d.Since, h.pg.now())
		if err != nil {
			msg, status = friendly(err), http.StatusBadRequest
		}
		f.Since = t
	}
	if status == http.StatusOK {
		evs, err := h.svc.Events(r.Context(), v.who, f)
		if err != nil {
			return err
		}
		slices.Reverse(evs)
		for i := range evs {
			evs[i] = escapedEvent(evs[i])
		}
		d.Events = evs
	}
	vw := v.view("Audit trail", "audit", d)
	vw.Error = msg
	h.render(w, status, "admin_audit", vw)
	return nil
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
