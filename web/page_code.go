package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/jitgit/jitgit/auth"
)

// codeData is one view of the code browser.
type codeData struct {
	Repo   string
	Kind   string // tree, blob, log, commit, refs
	Ref    string // as named in the URL; "" is the default branch
	RefArg string // Ref as a query argument ("ref=main&"), or ""
	Path   string
	Crumbs []crumb
	Head   logEntry // the commit the view shows
	Tree   treeView
	File   fileView
	Log    []logEntry
	Next   string // the next log page, or ""
	Commit commitView
	Refs   refsView
}

// crumb is one step of the path above the view.
type crumb struct{ Name, Path string }

// routeCode registers the code browser's views.
func (h *Handler) routeCode(mux *http.ServeMux) {
	mux.Handle("GET /repos/{owner}/{name}/tree", h.page(h.codeView("tree")))
	mux.Handle("GET /repos/{owner}/{name}/blob", h.page(h.codeView("blob")))
	mux.Handle("GET /repos/{owner}/{name}/commits", h.page(h.codeView("log")))
	mux.Handle("GET /repos/{owner}/{name}/commit/{id}", h.page(h.codeView("commit")))
	mux.Handle("GET /repos/{owner}/{name}/refs", h.page(h.codeView("refs")))
}

// openFor decides whether the visitor may read the repository named in
// the path, with the one decision function and on the record (transport
// web), and opens it. A repository that is missing, unreadable, or not a
// repository is the same "not found".
func (h *Handler) openFor(r *http.Request, v *visit) (*codeRepo, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return nil, errCodeNotFound
	}
	if d := h.svc.Authorize(r.Context(), v.who, name, auth.ActionRead); !d.Allowed {
		return nil, errCodeNotFound
	}
	return openCode(h.opts.RepoRoot, name)
}

func (h *Handler) codeView(kind string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) error {
		repo, err := h.openFor(r, v)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(r.Context(), viewTimeout)
		defer cancel()
		q := r.URL.Query()
		d := codeData{Repo: repo.name, Kind: kind, Ref: q.Get("ref")}
		if d.Ref != "" {
			d.RefArg = "ref=" + url.QueryEscape(d.Ref) + "&"
		}
		if d.Path, err = cleanPath(q.Get("path")); err != nil {
			return err
		}
		title := repo.name
		switch kind {
		case "commit":
			if d.Commit, err = repo.commit(ctx, r.PathValue("id")); err != nil {
				return err
			}
			title = d.Commit.Short + " · " + repo.name
		case "refs":
			if d.Refs, err = repo.refs(); err != nil {
				return err
			}
			title = "Branches and tags · " + repo.name
		default:
			rev, err := repo.resolve(d.Ref)
			if err != nil {
				return err
			}
			d.Head = entryOf(rev.Commit)
			d.Crumbs = crumbs(d.Path)
			switch kind {
			case "tree":
				d.Tree, err = repo.tree(rev, d.Path)
			case "blob":
				d.File, err = repo.file(rev, d.Path)
			case "log":
				d.Log, d.Next, err = repo.log(ctx, rev, q.Get("from"))
			}
			if err != nil {
				return err
			}
			if d.Path != "" {
				title = d.Path + " · " + repo.name
			}
		}
		h.render(w, http.StatusOK, "code", v.view(title, "repos", d))
		return nil
	}
}

// crumbs are the directories above p and p itself.
func crumbs(p string) []crumb {
	if p == "" {
		return nil
	}
	var out []crumb
	parts := strings.Split(p, "/")
	for i, part := range parts {
		out = append(out, crumb{Name: part, Path: strings.Join(parts[:i+1], "/")})
	}
	return out
}
