package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// requestData is the request detail page.
type requestData struct {
	Req        auth.Request
	Status     auth.RequestStatus // as it stands now: a lapsed pending request shows expired
	Approvals  int
	Mine       bool
	CanReview  bool   // the viewer may approve or deny it now
	WhyNot     string // why the viewer may not review it, when it is pending
	Choices    []durationChoice
	Grant      *grantRow
	Comment    string
	DenyReason string
	MaxReason  int
	// Deciders are who may approve it; StillNeeded the approvals it
	// still waits for; RepoMissing is set only for whom may decide it.
	Deciders    service.Deciders
	StillNeeded int
	RepoMissing bool
	Failed      string // the form field an error names: "duration", "comment", "reason"
}

// loadRequest fills the detail page of request id for the visitor.
func (h *Handler) loadRequest(r *http.Request, v *visit, id string) (requestData, error) {
	req, err := h.svc.Request(r.Context(), v.who, id)
	if err != nil {
		return requestData{}, err
	}
	now := h.pg.now()
	d := requestData{Req: req, Status: shownStatus(req, now), Mine: req.Requester == v.who.User, MaxReason: h.svc.Config().MaxReason}
	for _, rv := range req.Reviews {
		if rv.Approved {
			d.Approvals++
		}
	}
	if d.Status == auth.StatusPending {
		if d.Deciders, d.RepoMissing, err = h.svc.RequestDeciders(r.Context(), v.who, id); err != nil {
			return requestData{}, err
		}
		d.StillNeeded = max(req.Needed-d.Approvals, 0)
		switch {
		case d.Mine:
			d.WhyNot = "This is your own request: someone else must approve it."
		case !h.svc.CanApprove(r.Context(), v.who, req.Repo):
			d.WhyNot = "You may not approve requests for " + req.Repo + "."
		case slices.ContainsFunc(req.Reviews, func(rv auth.Review) bool { return rv.By == v.who.User }):
			d.WhyNot = "You approved this request; it waits for more approvals."
		default:
			d.CanReview = true
			d.Choices = durationChoices(req.Duration, auth.FormatDuration(req.Duration))
		}
	}
	if req.Grant != "" {
		if g, err := h.svc.Grant(r.Context(), v.who, req.Grant); err == nil {
			row := h.grantRow(g, now)
			d.Grant = &row
		}
	}
	return d, nil
}

// shownStatus is a request's state at now: a pending request past its
// lifetime is expired even before the server marks it so.
func shownStatus(r auth.Request, now time.Time) auth.RequestStatus { return service.StatusAt(r, now) }

func (h *Handler) requestDetail(w http.ResponseWriter, r *http.Request, v *visit) error {
	d, err := h.loadRequest(r, v, r.PathValue("id"))
	if err != nil {
		return err
	}
	vw := v.view("Request "+d.Req.ID, "", d)
	vw.Notice = notice(w, r)
	h.render(w, http.StatusOK, "request", vw)
	return nil
}

// reviewFailed shows the request again with what went wrong, keeping what
// the reviewer typed. A request decided meanwhile says so plainly.
func (h *Handler) reviewFailed(w http.ResponseWriter, r *http.Request, v *visit, err error, keep func(*requestData)) error {
	status := pageStatus(err)
	if status == http.StatusInternalServerError {
		return err
	}
	d, lerr := h.loadRequest(r, v, r.PathValue("id"))
	if lerr != nil {
		return errors.Join(err, lerr)
	}
	keep(&d)
	msg := friendly(err)
	if errors.Is(err, auth.ErrConflict) && d.Status != auth.StatusPending {
		msg = fmt.Sprintf("This request is no longer pending: it is %s.", d.Status)
	}
	vw := v.view("Request "+d.Req.ID, "", d)
	vw.Error = msg
	h.render(w, status, "request", vw)
	return nil
}

func (h *Handler) approveRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	if h.stepUp(w, r, v, "/requests/"+r.PathValue("id")) {
		return nil
	}
	f := r.PostForm
	keep := func(d *requestData) {
		d.Comment = f.Get("comment")
		if d.CanReview {
			d.Choices = durationChoices(d.Req.Duration, f.Get("duration"))
		}
	}
	var dur time.Duration
	if s := f.Get("duration"); s != "" {
		var err error
		if dur, err = auth.ParseDuration(s, h.svc.Config().MaxGrant); err != nil {
			return h.reviewFailed(w, r, v, err, func(d *requestData) { keep(d); d.Failed = "duration" })
		}
	}
	req, err := h.svc.ApproveRequest(r.Context(), v.who, r.PathValue("id"), dur, f.Get("comment"))
	if err != nil {
		return h.reviewFailed(w, r, v, err, func(d *requestData) { keep(d); d.Failed = failedField(err, "duration", "comment") })
	}
	done := "approved"
	if req.Status == auth.StatusPending {
		done = "approval"
	}
	seeOther(w, r, "/requests/"+req.ID, done)
	return nil
}

func (h *Handler) denyRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	f := r.PostForm
	req, err := h.svc.DenyRequest(r.Context(), v.who, r.PathValue("id"), f.Get("reason"))
	if err != nil {
		return h.reviewFailed(w, r, v, err, func(d *requestData) { d.DenyReason, d.Failed = f.Get("reason"), failedField(err, "reason") })
	}
	seeOther(w, r, "/requests/"+req.ID, "denied")
	return nil
}

func (h *Handler) cancelRequest(w http.ResponseWriter, r *http.Request, v *visit) error {
	req, err := h.svc.CancelRequest(r.Context(), v.who, r.PathValue("id"))
	if err != nil {
		return h.reviewFailed(w, r, v, err, func(*requestData) {})
	}
	seeOther(w, r, "/requests/"+req.ID, "cancelled")
	return nil
}
