package web

import (
	"fmt"
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func (h *Handler) apiReloadConfig(r *http.Request, who auth.Identity) (int, api.ConfigReload, error) {
	if !who.Admin {
		return 0, api.ConfigReload{}, fmt.Errorf("%w: reloading the config needs an administrator", auth.ErrForbidden)
	}
	if h.opts.Reload == nil {
		return 0, api.ConfigReload{}, fmt.Errorf("%w: this server cannot reload its config", auth.ErrNotFound)
	}
	detail, err := h.opts.Reload(r.Context(), who)
	return 0, api.ConfigReload{Detail: detail}, err
}
