package web

import (
	"net/http"
	"net/url"

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

// requestFilter reads the filters GET /requests and /requests/page share.
func requestFilter(q url.Values) (service.RequestFilter, error) {
	f := service.RequestFilter{Status: auth.RequestStatus(q.Get("status")), Mine: parseBool(q.Get("mine")), User: q.Get("user"), Repo: q.Get("repo")}
	switch f.Status {
	case "", auth.StatusPending, auth.StatusApproved, auth.StatusDenied, auth.StatusCancelled, auth.StatusExpired:
		return f, nil
	}
	return f, fmtInvalid("status %q: use pending, approved, denied, cancelled or expired", q.Get("status"))
}

// apiListRequestPage answers one page of requests, DefaultRequestPage
// unless limit says otherwise, from after on.
func (h *Handler) apiListRequestPage(r *http.Request, who auth.Identity) (int, api.RequestPage, error) {
	q := r.URL.Query()
	f, err := requestFilter(q)
	if err != nil {
		return 0, api.RequestPage{}, err
	}
	limit := api.DefaultRequestPage
	if s := q.Get("limit"); s != "" {
		if limit, err = parseLimit(s); err != nil {
			return 0, api.RequestPage{}, err
		}
		limit = min(limit, service.MaxRequestListPage)
	}
	rs, next, err := h.svc.ListRequestPage(r.Context(), who, f, q.Get("after"), limit)
	page := api.RequestPage{Requests: each(rs, viewRequest), Next: next}
	if page.Requests == nil {
		page.Requests = []api.Request{}
	}
	return 0, page, err
}

// apiListRequests answers every request the filters select as one JSON
// array in id order, written a page at a time as it is read, as
// apiListGrants does.
func (h *Handler) apiListRequests(r *http.Request, who auth.Identity) (int, any, error) {
	f, err := requestFilter(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	stream, err := streamPages(func(after string) ([]auth.Request, string, error) {
		return h.svc.ListRequestPage(r.Context(), who, f, after, api.DefaultRequestPage)
	}, func(req auth.Request) any { return viewRequest(req) })
	return 0, stream, err
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
