package web

import (
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func (h *Handler) apiImportRepos(r *http.Request, who auth.Identity) (int, api.RepoImported, error) {
	in, err := body(r, api.ImportRepos)
	if err != nil {
		return 0, api.RepoImported{}, err
	}
	imported, skipped, err := h.svc.ImportRepos(r.Context(), who, in.Dir, in.Move)
	out := api.RepoImported{Imported: imported, Skipped: skipped}
	if out.Imported == nil {
		out.Imported = []string{}
	}
	if out.Skipped == nil {
		out.Skipped = []string{}
	}
	return 0, out, err
}

func (h *Handler) apiUnregisteredRepos(r *http.Request, who auth.Identity) (int, []string, error) {
	names, err := h.svc.UnregisteredRepos(r.Context(), who)
	if names == nil {
		names = []string{}
	}
	return 0, names, err
}

func (h *Handler) apiDescribeRepo(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.Repo{}, err
	}
	in, err := body(r, api.DescribeRepo)
	if err != nil {
		return 0, api.Repo{}, err
	}
	repo, err := h.svc.DescribeRepo(r.Context(), who, name, in.Description)
	return 0, viewRepo(repo), err
}

func (h *Handler) apiRenameRepo(r *http.Request, who auth.Identity) (int, api.Repo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.Repo{}, err
	}
	in, err := body(r, api.RenameRepo)
	if err != nil {
		return 0, api.Repo{}, err
	}
	repo, err := h.svc.RenameRepo(r.Context(), who, name, in.To)
	return 0, viewRepo(repo), err
}

func (h *Handler) apiRemoveRepo(r *http.Request, who auth.Identity) (int, api.None, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.None{}, err
	}
	in, err := body(r, api.RemoveRepo)
	if err != nil {
		return 0, api.None{}, err
	}
	return 0, api.None{}, h.svc.RemoveRepo(r.Context(), who, name, in.Force)
}
