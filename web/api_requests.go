package web

import (
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func (h *Handler) apiCreateRequest(r *http.Request, who auth.Identity) (int, api.Request, error) {
	in, err := body(r, api.CreateRequest)
	if err != nil {
		return 0, api.Request{}, err
	}
	level, err := auth.ParseLevel(in.Access)
	if err != nil {
		return 0, api.Request{}, err
	}
	d, err := optDuration(in.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return 0, api.Request{}, err
	}
	allow, err := auth.ParseChanges(in.Allow)
	if err != nil {
		return 0, api.Request{}, err
	}
	req, err := h.svc.CreateRequest(r.Context(), who, service.NewRequest{Repo: in.Repo, Level: level, Ref: in.Ref, Allow: allow, Duration: d, Reason: in.Reason, Ticket: in.Ticket, Extends: in.Extends})
	return http.StatusCreated, viewRequest(req), err
}

func (h *Handler) apiListRequests(r *http.Request, who auth.Identity) (int, []api.Request, error) {
	q := r.URL.Query()
	f := service.RequestFilter{Status: auth.RequestStatus(q.Get("status")), Mine: parseBool(q.Get("mine")), User: q.Get("user"), Repo: q.Get("repo")}
	switch f.Status {
	case "", auth.StatusPending, auth.StatusApproved, auth.StatusDenied, auth.StatusCancelled, auth.StatusExpired:
	default:
		return 0, nil, fmtInvalid("status %q: use pending, approved, denied, cancelled or expired", q.Get("status"))
	}
	rs, err := h.svc.ListRequests(r.Context(), who, f)
	return 0, each(rs, viewRequest), err
}

func (h *Handler) apiGetRequest(r *http.Request, who auth.Identity) (int, api.Request, error) {
	if err := needUser(who); err != nil {
		return 0, api.Request{}, err
	}
	req, err := h.svc.Request(r.Context(), who, r.PathValue("id"))
	return 0, viewRequest(req), err
}

func (h *Handler) apiApprove(r *http.Request, who auth.Identity) (int, api.Request, error) {
	if err := needUser(who); err != nil {
		return 0, api.Request{}, err
	}
	if err := h.stepUpAPI(who); err != nil {
		return 0, api.Request{}, err
	}
	in, err := body(r, api.ApproveRequest)
	if err != nil {
		return 0, api.Request{}, err
	}
	d, err := optDuration(in.Duration, h.svc.Config().MaxGrant)
	if err != nil {
		return 0, api.Request{}, err
	}
	req, err := h.svc.ApproveRequest(r.Context(), who, r.PathValue("id"), d, in.Comment)
	return 0, viewRequest(req), err
}

func (h *Handler) apiDeny(r *http.Request, who auth.Identity) (int, api.Request, error) {
	if err := needUser(who); err != nil {
		return 0, api.Request{}, err
	}
	in, err := body(r, api.DenyRequest)
	if err != nil {
		return 0, api.Request{}, err
	}
	req, err := h.svc.DenyRequest(r.Context(), who, r.PathValue("id"), in.Reason)
	return 0, viewRequest(req), err
}

func (h *Handler) apiCancel(r *http.Request, who auth.Identity) (int, api.Request, error) {
	if err := needUser(who); err != nil {
		return 0, api.Request{}, err
	}
	req, err := h.svc.CancelRequest(r.Context(), who, r.PathValue("id"))
	return 0, viewRequest(req), err
}
