package web

import (
	"net/http"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// grantsData is the administrators' grant list with its filter.
type grantsData struct {
	User, Repo string
	All        bool
	Grants     []grantRow
	Form       grantForm
	Levels     []string
	Choices    []durationChoice
}

// grantForm is what an administrator typed into the grant form.
type grantForm struct {
	Open                                    bool
	Subject, Repo, Access, Duration, Reason string
}

// maxListedGrants bounds one page of the grant list.
const maxListedGrants = 500

func (h *Handler) adminGrants(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.showGrants(w, r, v, http.StatusOK, grantForm{Access: "read", Duration: "1h"}, "")
}

// showGrants renders the grant list, the filter and the grant form; a
// form error comes back with what was typed.
func (h *Handler) showGrants(w http.ResponseWriter, r *http.Request, v *visit, status int, form grantForm, formErr string) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	q := r.URL.Query()
	d := grantsData{User: strings.TrimSpace(q.Get("user")), Repo: strings.TrimSpace(q.Get("repo")), All: q.Get("all") != "",
		Form: form, Levels: []string{"read", "write", "admin"}, Choices: durationChoices(h.svc.Config().MaxGrant, form.Duration)}
	gs, err := h.svc.NewestGrants(r.Context(), v.who, service.GrantFilter{User: d.User, Repo: d.Repo, All: d.All}, maxListedGrants)
	msg := formErr
	if err != nil {
		if status = pageStatus(err); status == http.StatusInternalServerError {
			return err
		}
		d.Form.Open = false
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
	vw.Notice, vw.Error = notice(w, r), msg
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

func (h *Handler) adminCreateGrant(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	f := r.PostForm
	form := grantForm{Open: true, Subject: strings.TrimSpace(f.Get("subject")), Repo: strings.TrimSpace(f.Get("repo")),
		Access: f.Get("access"), Duration: f.Get("duration"), Reason: f.Get("reason")}
	fail := func(err error) error {
		status := pageStatus(err)
		if status == http.StatusInternalServerError {
			return err
		}
		return h.showGrants(w, r, v, status, form, friendly(err))
	}
	level, err := auth.ParseLevel(form.Access)
	if err != nil {
		return fail(err)
	}
	d, err := auth.ParseDuration(form.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return fail(err)
	}
	if _, err := h.svc.AddGrant(r.Context(), v.who, service.NewGrant{Subject: form.Subject, Repo: form.Repo, Level: level, Duration: d, Reason: form.Reason}); err != nil {
		return fail(err)
	}
	seeOther(w, r, "/admin/grants", "granted")
	return nil
}
