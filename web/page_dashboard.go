package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// grantRow is a grant as the pages show it.
type grantRow struct {
	auth.Grant
	Ends     time.Time
	Active   bool
	State    string // active, ended, expired, scheduled
	Wildcard bool   // the grant covers every repository of an owner
	HTTP     string // clone URLs, for a single repository
	SSH      string
	// Soon: it ends within the lead of the warnings (grant.expiring).
	Soon bool
}

func (h *Handler) grantRow(g auth.Grant, now time.Time) grantRow {
	row := grantRow{Grant: g, Ends: g.End(), Active: g.ActiveAt(now), Wildcard: strings.HasSuffix(g.Repo, "/*")}
	switch {
	case row.Active:
		row.State = "active"
	case now.Before(g.Starts):
		row.State = "scheduled"
	case !g.Ended.IsZero() && !g.Ended.After(g.Expires):
		row.State = "ended"
	default:
		row.State = "expired"
	}
	if !row.Wildcard {
		row.HTTP, row.SSH = h.cloneURLs(g.Repo)
	}
	return row
}

// cloneURLs returns the HTTP and SSH clone URLs of a repository; SSH is
// empty when the server has no SSH listener.
func (h *Handler) cloneURLs(repo string) (httpURL, sshURL string) {
	httpURL = h.opts.PublicURL + "/" + repo + ".git"
	if h.opts.SSHURL != "" {
		sshURL = strings.TrimRight(h.opts.SSHURL, "/") + "/" + repo + ".git"
	}
	return httpURL, sshURL
}

// dashboardData is the signed-in home page.
type dashboardData struct {
	Grants   []grantRow
	Requests []requestRow
	Pending  int // requests waiting for the viewer's approval
}

// requestRow is a request in a list.
type requestRow struct {
	auth.Request
	Status auth.RequestStatus
}

// maxDashboardRequests bounds the list of the user's own requests.
const maxDashboardRequests = 25

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, v *visit) error {
	ctx := r.Context()
	now := h.pg.now()
	gs, err := h.svc.ListGrants(ctx, v.who, service.GrantFilter{User: v.who.User})
	if err != nil {
		return err
	}
	var d dashboardData
	for _, g := range gs {
		if row := h.grantRow(g, now); row.Active {
			row.Soon = h.svc.EndingSoon(row.Ends, now)
			d.Grants = append(d.Grants, row)
		}
	}
	mine, err := h.svc.RequestPage(ctx, v.who, service.RequestPageFilter{Mine: true, Limit: maxDashboardRequests})
	if err != nil {
		return err
	}
	for _, x := range mine.Items {
		d.Requests = append(d.Requests, requestRow{Request: x.Request, Status: shownStatus(x.Request, now)})
	}
	waiting, err := h.svc.RequestPage(ctx, v.who, service.RequestPageFilter{Decide: true, Status: auth.StatusPending, Limit: 1})
	if err != nil {
		return err
	}
	d.Pending = waiting.Total
	vw := v.view("Dashboard", "home", d)
	vw.Notice = notice(w, r)
	h.render(w, http.StatusOK, "dashboard", vw)
	return nil
}

func (h *Handler) relinquishGrant(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := h.svc.RelinquishGrant(r.Context(), v.who, r.PathValue("id")); err != nil {
		return err
	}
	seeOther(w, r, "/", "relinquished")
	return nil
}
