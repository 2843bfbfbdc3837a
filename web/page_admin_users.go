package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// usersData is the administrators' user list and the form to add one.
type usersData struct {
	Users []auth.User
	Form  newUserForm
}

// newUserForm is what an administrator typed to add a user.
type newUserForm struct {
	Name, Groups    string
	Admin, Approver bool
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, v *visit, status int, form newUserForm, msg string) error {
	if err := requireAdminPage(v); err != nil {
		return err
	}
	us, err := h.svc.ListUsers(r.Context(), v.who)
	if err != nil {
		return err
	}
	vw := v.view("Users", "users", usersData{Users: us, Form: form})
	vw.Notice, vw.Error = notice(w, r), msg
	h.render(w, status, "admin_users", vw)
	return nil
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.showUsers(w, r, v, http.StatusOK, newUserForm{}, "")
}

func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	form := newUserForm{Name: strings.TrimSpace(f.Get("name")), Groups: f.Get("groups"), Admin: f.Get("admin") != "", Approver: f.Get("approver") != ""}
	groups := strings.FieldsFunc(form.Groups, func(c rune) bool { return c == ',' || c == ' ' })
	_, err := h.svc.CreateUser(r.Context(), v.who, service.NewUser{Name: form.Name, Password: f.Get("password"), Groups: groups, Admin: form.Admin, Approver: form.Approver})
	if err != nil {
		status := pageStatus(err)
		if status == http.StatusInternalServerError {
			return err
		}
		return h.showUsers(w, r, v, status, form, friendly(err))
	}
	seeOther(w, r, "/admin/users", "user")
	return nil
}

// requireAdminPage keeps the admin pages to administrators.
func requireAdminPage(v *visit) error {
	if !v.who.Admin {
		return fmt.Errorf("%w: this page is for administrators", auth.ErrForbidden)
	}
	return nil
}

// adminDisableUser disables or enables the user named in the path.
func (h *Handler) adminDisableUser(disable bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) error {
		if err := requireAdminPage(v); err != nil {
			return err
		}
		if _, err := h.svc.UpdateUser(r.Context(), v.who, r.PathValue("name"), service.UserChange{Disabled: &disable}); err != nil {
			return err
		}
		done := "enabled"
		if disable {
			done = "disabled"
		}
		seeOther(w, r, "/admin/users", done)
		return nil
	}
}
