package web

import (
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func (h *Handler) apiArchiveRepo(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.Repo{}, err
	}
	in, err := body(r, api.ArchiveRepo)
	if err != nil {
		return 0, api.Repo{}, err
	}
	repo, err := h.svc.ArchiveRepo(r.Context(), who, name, in.Reason)
	return 0, reposAt(h.now())(repo), err
}

func (h *Handler) apiUnarchiveRepo(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.Repo{}, err
	}
	repo, err := h.svc.UnarchiveRepo(r.Context(), who, name)
	return 0, reposAt(h.now())(repo), err
}
