package web

import (
	"fmt"
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func (h *Handler) apiClusterStatus(r *http.Request, who auth.Identity) (int, api.ClusterStatus, error) {
	if !who.Admin {
		return 0, api.ClusterStatus{}, fmt.Errorf("%w: the cluster status needs an administrator", auth.ErrForbidden)
	}
	if h.opts.ClusterStatus == nil {
		return 0, api.ClusterStatus{}, fmt.Errorf("%w: this server does not report a cluster status", auth.ErrNotFound)
	}
	st, err := h.opts.ClusterStatus(r.Context())
	return 0, st, err
}
