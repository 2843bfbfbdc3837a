package web

import (
	"net/http"

	"github.com/jitgit/jitgit/auth"
)

// repoRow is a repository with the viewer's access to it now.
type repoRow struct {
	auth.Repo
	Access string // "write", "read" or ""
	HTTP   string
	SSH    string
}

// repoAccess is the viewer's current level on repo, asked without an audit
// record: showing a page is no access.
func (h *Handler) repoAccess(r *http.Request, who auth.Identity, repo string) string {
	authz := h.svc.Authorizer()
	switch {
	case authz.Decide(r.Context(), who, repo, auth.ActionWrite).Allowed:
		return "write"
	case authz.Decide(r.Context(), who, repo, auth.ActionRead).Allowed:
		return "read"
	}
	return ""
}

func (h *Handler) repos(w http.ResponseWriter, r *http.Request, v *visit) error {
	rs, err := h.svc.ListRepos(r.Context(), v.who)
	if err != nil {
		return err
	}
	rows := make([]repoRow, 0, len(rs))
	for _, x := range rs {
		row := repoRow{Repo: x, Access: h.repoAccess(r, v.who, x.Name)}
		row.HTTP, row.SSH = h.cloneURLs(x.Name)
		rows = append(rows, row)
	}
	h.render(w, http.StatusOK, "repos", v.view("Repositories", "repos", rows))
	return nil
}

// repoPageData is one repository's page. Known is false both for a
// repository that does not exist and for one the viewer may not see, so
// the page tells them apart for nobody.
type repoPageData struct {
	repoRow
	Known  bool
	Status *mirrorStatus // nil: no mirror
}

func (h *Handler) repoPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return err
	}
	d := repoPageData{repoRow: repoRow{Repo: auth.Repo{Name: name}}}
	if repo, err := h.svc.Repo(r.Context(), v.who, name); err == nil {
		d.Repo, d.Known = repo, true
		d.Access = h.repoAccess(r, v.who, name)
		d.HTTP, d.SSH = h.cloneURLs(name)
		d.Status = mirrorStatusOf(repo, h.now())
	}
	h.render(w, http.StatusOK, "repo", v.view(name, "repos", d))
	return nil
}
