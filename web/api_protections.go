package web

import (
	"fmt"
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func viewProtection(p auth.Protection) api.Protection {
	return api.Protection{ID: p.ID, Description: p.Description, Repo: p.Repo, Ref: p.Ref, Forbid: p.Forbid.String(), Source: p.Source}
}

func (h *Handler) apiProtections(r *http.Request, who auth.Identity) (int, []api.Protection, error) {
	if err := needUser(who); err != nil {
		return 0, nil, err
	}
	ps, err := h.svc.Protections(r.Context())
	return 0, each(ps, viewProtection), err
}

func (h *Handler) apiAddProtection(r *http.Request, who auth.Identity) (int, api.Protection, error) {
	in, err := body(r, api.AddProtection)
	if err != nil {
		return 0, api.Protection{}, err
	}
	forbid, err := auth.ParseChanges(in.Forbid)
	if err != nil {
		return 0, api.Protection{}, fmt.Errorf("forbid: %w", err)
	}
	p, err := h.svc.AddProtection(r.Context(), who, auth.Protection{ID: in.ID, Description: in.Description, Repo: in.Repo, Ref: in.Ref, Forbid: forbid})
	return http.StatusCreated, viewProtection(p), err
}

func (h *Handler) apiRemoveProtection(r *http.Request, who auth.Identity) (int, api.ProtectionRemoved, error) {
	id := r.PathValue("id")
	return 0, api.ProtectionRemoved{ID: id}, h.svc.RemoveProtection(r.Context(), who, id)
}
