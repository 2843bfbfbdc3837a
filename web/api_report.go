package web

import (
	"net/http"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// reportFilter reads repo or user, since and until.
func (h *Handler) reportFilter(r *http.Request) (service.ReportFilter, error) {
	q := r.URL.Query()
	f := service.ReportFilter{Repo: q.Get("repo"), User: q.Get("user")}
	if (f.Repo == "") == (f.User == "") {
		return f, fmtInvalid("name a repo or a user (one of them) for the access report")
	}
	for _, p := range []struct {
		key string
		dst *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(p.key); s != "" {
			t, err := parseSince(s, h.now())
			if err != nil {
				return f, err
			}
			*p.dst = t
		}
	}
	return f, nil
}

func (h *Handler) apiAccessReport(r *http.Request, who auth.Identity) (int, []api.AccessInterval, error) {
	f, err := h.reportFilter(r)
	if err != nil {
		return 0, nil, err
	}
	ivs, err := h.svc.AccessReport(r.Context(), who, f)
	out := each(ivs, viewInterval)
	if out == nil {
		out = []api.AccessInterval{}
	}
	return 0, out, err
}

func viewInterval(iv service.AccessInterval) api.AccessInterval {
	return api.AccessInterval{Subject: iv.Subject, Repo: iv.Repo, Access: iv.Level.String(), From: iv.From, To: optTime(iv.To), FromBeforeTrail: iv.Before,
		Grant: iv.Grant, Policy: iv.Policy, Group: iv.Group, Reason: iv.Reason, Ticket: iv.Ticket, Request: iv.Request,
		Approved: iv.Approved, Denied: iv.Denied, Ended: iv.Ended}
}
