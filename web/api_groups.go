package web

import (
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func (h *Handler) apiListGroups(r *http.Request, who auth.Identity) (int, []api.Group, error) {
	gs, err := h.svc.Groups(r.Context(), who)
	return 0, each(gs, func(g service.Group) api.Group { return api.Group{Name: g.Name, Members: g.Members} }), err
}

func (h *Handler) apiMembers(add bool) func(*http.Request, auth.Identity) (int, api.MembersChanged, error) {
	return func(r *http.Request, who auth.Identity) (int, api.MembersChanged, error) {
		in, err := body(r, api.AddMembers)
		if err != nil {
			return 0, api.MembersChanged{}, err
		}
		changed, err := h.svc.SetMembership(r.Context(), who, r.PathValue("name"), in.Users, add)
		if changed == nil {
			changed = []string{}
		}
		return 0, api.MembersChanged{Changed: changed}, err
	}
}
