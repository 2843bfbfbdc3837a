package web

import (
	"net/http"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func (h *Handler) apiCreateRequest(r *http.Request, who auth.Identity) (int, any, error) {
	var in struct {
		Repo     string `json:"repo"`
		Access   string `json:"access"`
		Duration string `json:"duration"`
		Reason   string `json:"reason"`
		Ticket   string `json:"ticket"`
		Extends  string `json:"extends"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	level, err := auth.ParseLevel(in.Access)
	if err != nil {
		return 0, nil, err
	}
	d, err := optDuration(in.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return 0, nil, err
	}
	req, err := h.svc.CreateRequest(r.Context(), who, service.NewRequest{Repo: in.Repo, Level: level, Duration: d, Reason: in.Reason, Ticket: in.Ticket, Extends: in.Extends})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, viewRequest(req), nil
}

func (h *Handler) apiListRequests(r *http.Request, who auth.Identity) (int, any, error) {
	q := r.URL.Query()
	f := service.RequestFilter{Status: auth.RequestStatus(q.Get("status")), Mine: parseBool(q.Get("mine"))}
	switch f.Status {
	case "", auth.StatusPending, auth.StatusApproved, auth.StatusDenied, auth.StatusCancelled, auth.StatusExpired:
	default:
		return 0, nil, fmtInvalid("status %q: use pending, approved, denied, cancelled or expired", q.Get("status"))
	}
	rs, err := h.svc.ListRequests(r.Context(), who, f)
	if err != nil {
		return 0, nil, err
	}
	out := make([]requestView, 0, len(rs))
	for _, x := range rs {
		out = append(out, viewRequest(x))
	}
	return 0, out, nil
}

func (h *Handler) apiGetRequest(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	req, err := h.svc.Request(r.Context(), who, r.PathValue("id"))
	return 0, viewRequest(req), err
}

func (h *Handler) apiApprove(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	var in struct {
		Duration string `json:"duration"`
		Comment  string `json:"comment"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return 0, nil, err
		}
	}
	d, err := optDuration(in.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return 0, nil, err
	}
	req, err := h.svc.ApproveRequest(r.Context(), who, r.PathValue("id"), d, in.Comment)
	return 0, viewRequest(req), err
}

func (h *Handler) apiDeny(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	req, err := h.svc.DenyRequest(r.Context(), who, r.PathValue("id"), in.Reason)
	return 0, viewRequest(req), err
}

func (h *Handler) apiCancel(r *http.Request, who auth.Identity) (int, any, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	req, err := h.svc.CancelRequest(r.Context(), who, r.PathValue("id"))
	return 0, viewRequest(req), err
}
