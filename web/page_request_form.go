package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// requestFormData is the request form with what the user typed.
type requestFormData struct {
	Repo      string
	Access    string
	Ref       string // optional ref pattern, for write access
	Force     bool   // the allowance asked for on Ref
	Delete    bool
	Duration  string
	Reason    string
	Ticket    string
	Extends   string
	Extending *auth.Grant
	Choices   []durationChoice
	MaxReason int
	MaxGrant  string
	Failed    string // the field an error names, marked and focused
	// Duplicate is the pending request that already asks for this.
	Duplicate string
}

// setAllow ticks the allowance boxes named in values ("force", "delete").
func (d *requestFormData) setAllow(values []string) {
	for _, v := range values {
		d.Force = d.Force || v == "force"
		d.Delete = d.Delete || v == "delete"
	}
}

// durationChoice is one option of a duration menu.
type durationChoice struct {
	Value    string
	Label    string
	Selected bool
}

// commonDurations are offered in duration menus, up to the longest allowed.
var commonDurations = []time.Duration{
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour,
}

// durationChoices lists the common durations not longer than max, and max
// itself, marking selected.
func durationChoices(max time.Duration, selected string) []durationChoice {
	var out []durationChoice
	add := func(d time.Duration) {
		v := auth.FormatDuration(d)
		out = append(out, durationChoice{Value: v, Label: durationLabel(d), Selected: v == selected})
	}
	for _, d := range commonDurations {
		if d < max {
			add(d)
		}
	}
	add(max)
	// A value the menu does not offer (longer than allowed, or typed by
	// hand) stays chosen, so an error does not silently change it.
	if selected != "" && !slices.ContainsFunc(out, func(c durationChoice) bool { return c.Selected }) {
		out = append(out, durationChoice{Value: selected, Label: selected + " (not allowed)", Selected: true})
	}
	return out
}

// durationLabel spells a duration for a menu: "15 minutes", "1 day".
func durationLabel(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return auth.FormatDuration(d)
}

func (h *Handler) requestForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	cfg := h.svc.Config()
	d := requestFormData{Repo: strings.TrimSpace(q.Get("repo")), Access: q.Get("access"), Ref: strings.TrimSpace(q.Get("ref")),
		Duration: auth.FormatDuration(cfg.DefaultRequest), Extends: q.Get("extends")}
	d.setAllow(q["allow"])
	if d.Access != "write" {
		d.Access = "read"
	}
	if d.Extends != "" {
		g, err := h.svc.Grant(r.Context(), v.who, d.Extends)
		if err != nil || g.Subject != auth.UserPrincipal(v.who.User) {
			return fmt.Errorf("grant %s: %w", d.Extends, auth.ErrNotFound)
		}
		d.Extending, d.Repo, d.Access = &g, g.Repo, g.Level.String()
		d.Ref, d.Force, d.Delete = g.Ref, g.Allow.Has(auth.ChangeForce), g.Allow.Has(auth.ChangeDelete)
	}
	h.showRequestForm(w, v, http.StatusOK, d, "")
	return nil
}

func (h *Handler) showRequestForm(w http.ResponseWriter, v *visit, status int, d requestFormData, msg string) {
	cfg := h.svc.Config()
	d.Choices = durationChoices(cfg.MaxGrant, d.Duration)
	d.MaxReason, d.MaxGrant = cfg.MaxReason, durationLabel(cfg.MaxGrant)
	vw := v.view("Ask for access", "new", d)
	vw.Error = msg
	h.render(w, status, "request_new", vw)
}

func (h *Handler) createRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	d := requestFormData{
		Repo: strings.TrimSpace(f.Get("repo")), Access: f.Get("access"), Duration: f.Get("duration"),
		Reason: f.Get("reason"), Ticket: f.Get("ticket"), Extends: f.Get("extends"), Ref: strings.TrimSpace(f.Get("ref")),
	}
	d.setAllow(f["allow"])
	fail := func(err error) error {
		if d.Extends != "" {
			if g, gerr := h.svc.Grant(r.Context(), v.who, d.Extends); gerr == nil {
				d.Extending = &g
			}
		}
		status := pageStatus(err)
		if status == http.StatusInternalServerError {
			return err
		}
		d.Failed = failedField(err, "repository", "ref", "allow", "duration", "reason", "ticket", "access")
		switch d.Failed {
		case "repository":
			d.Failed = "repo"
		case "allow":
			d.Failed = "ref"
		}
		var dup *service.DuplicateRequestError
		if errors.As(err, &dup) {
			d.Duplicate = dup.ID
		}
		h.showRequestForm(w, v, status, d, friendly(err))
		return nil
	}
	level, err := auth.ParseLevel(d.Access)
	if err != nil || level == auth.LevelAdmin {
		return fail(fmt.Errorf("%w: choose read or write access", auth.ErrInvalid))
	}
	dur, err := auth.ParseDuration(d.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return fail(err)
	}
	allow, err := auth.ParseChanges(strings.Join(f["allow"], ","))
	if err != nil {
		return fail(err)
	}
	if allow != 0 && d.Ref == "" {
		return fail(fmt.Errorf("%w: force-pushing or deleting needs a ref pattern: name the refs it is for", auth.ErrInvalid))
	}
	req, err := h.svc.CreateRequest(r.Context(), v.who, service.NewRequest{
		Repo: d.Repo, Level: level, Ref: d.Ref, Allow: allow, Duration: dur, Reason: d.Reason, Ticket: d.Ticket, Extends: d.Extends,
	})
	if err != nil {
		if req.ID != "" && !errors.Is(err, auth.ErrInvalid) {
			return err
		}
		return fail(err)
	}
	done := "requested"
	if req.Status == auth.StatusApproved {
		done = "auto"
	}
	seeOther(w, r, "/requests/"+req.ID, done)
	return nil
}
