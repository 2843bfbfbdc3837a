package web

import (
	"net/http"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// grantsData is the administrators' grant list with its filter.
type grantsData struct {
	User, Repo string
	All        bool
	Grants     []grantRow
}

// maxListedGrants bounds one page of the grant list.
const maxListedGrants = 500

func (h *Handler) adminGrants(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	q := r.URL.Query()
	d := grantsData{User: strings.TrimSpace(q.Get("user")), Repo: strings.TrimSpace(q.Get("repo")), All: q.Get("all") != ""}
	gs, err := h.svc.ListGrants(r.Context(), v.who, auth.GrantFilter{User: d.User, Repo: d.Repo, All: d.All})
	msg, status := "", http.StatusOK
	if err != nil {
		if status = pageStatus(err); status == http.StatusInternalServerError {
			return err
		}
		msg = friendly(err)
		if status == http.StatusNotFound {
			msg = "No user " + d.User + "."
		}
	}
	now := h.pg.now()
	for i, g := range gs {
		if i == maxListedGrants {
			break
		}
		d.Grants = append(d.Grants, h.grantRow(g, now))
	}
	vw := v.view("Grants", "grants", d)
	vw.Notice, vw.Error = notice(r), msg
	h.render(w, status, "admin_grants", vw)
	return nil
}

func (h *Handler) adminRevokeGrant(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := h.svc.RevokeGrant(r.Context(), v.who, r.PathValue("id"), r.PostForm.Get("note")); err != nil {
		return err
	}
	seeOther(w, r, "/admin/grants", "revoked")
	return nil
}
