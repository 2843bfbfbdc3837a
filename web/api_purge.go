package web

import (
	"fmt"
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

// apiPurgeRepo expires a repository's reflogs and prunes what no ref
// reaches, now.
func (h *Handler) apiPurgeRepo(r *http.Request, who auth.Identity) (int, api.RepoPurged, error) {
	name, err := auth.CanonicalRepo(r.PathValue("owner") + "/" + r.PathValue("name"))
	if err != nil {
		return 0, api.RepoPurged{}, err
	}
	if h.opts.Purger == nil {
		return 0, api.RepoPurged{}, fmt.Errorf("%w: this server purges no repositories", auth.ErrInvalid)
	}
	res, err := h.svc.PurgeRepo(r.Context(), who, name, h.opts.Purger)
	return 0, api.RepoPurged{Repo: name, ObjectsBefore: res.ObjectsBefore, ObjectsAfter: res.ObjectsAfter}, err
}
