package web

import (
	"net/http"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// reportData is the access report page: its question and its answer.
type reportData struct {
	Repo, User, Since, Until string
	Asked                    bool
	Intervals                []service.AccessInterval
}

// accessReport shows the access report of a repository or a user, for
// administrators and auditors.
func (h *Handler) accessReport(w http.ResponseWriter, r *http.Request, v *visit) error {
	if !v.who.Admin && !v.who.Auditor {
		return auth.ErrForbidden
	}
	q := r.URL.Query()
	d := reportData{Repo: strings.TrimSpace(q.Get("repo")), User: strings.TrimSpace(q.Get("user")),
		Since: strings.TrimSpace(q.Get("since")), Until: strings.TrimSpace(q.Get("until"))}
	msg, status := "", http.StatusOK
	if d.Repo != "" || d.User != "" {
		d.Asked = true
		f, err := h.reportFilter(r)
		if err == nil {
			d.Intervals, err = h.svc.AccessReport(r.Context(), v.who, f)
		}
		if err != nil {
			msg, status = friendly(err), apiStatus(err)
		}
	}
	vw := v.view("Access report", "report", d)
	vw.Error = msg
	h.render(w, status, "report", vw)
	return nil
}
