package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

// apiExchangeToken trades a CI job's identity token for a short-lived
// jitgit token under the trust rules. A refused token counts against the
// client's address like a wrong password, so tokens cannot be tried
// without limit.
func (h *Handler) apiExchangeToken(r *http.Request, _ auth.Identity) (int, api.CreatedToken, error) {
	if h.opts.Workloads == nil {
		return 0, api.CreatedToken{}, fmt.Errorf("%w: this server has no trust rules for CI identity tokens; see docs/sso.md", auth.ErrNotFound)
	}
	addr := "addr:" + remoteHost(r)
	if h.apiThrottle.Wait(addr) > 0 {
		return 0, api.CreatedToken{}, errTooManyFailures
	}
	in, err := body(r, api.ExchangeToken)
	if err != nil {
		return 0, api.CreatedToken{}, err
	}
	secret, t, err := h.opts.Workloads.Exchange(r.Context(), in.IDToken, in.Grant, in.Request, r.RemoteAddr)
	if err != nil {
		if errors.Is(err, auth.ErrUnauthenticated) || errors.Is(err, auth.ErrForbidden) {
			h.apiThrottle.Fail(addr)
		}
		return 0, api.CreatedToken{}, err
	}
	return http.StatusCreated, api.CreatedToken{Token: secret, ID: t.ID, User: t.User, Expires: t.Expires}, nil
}
