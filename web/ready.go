package web

import (
	"context"
	"net/http"
	"time"
)

// readyTimeout bounds one readiness check.
const readyTimeout = 10 * time.Second

// readyz answers whether the server should be sent traffic: 200 "ready",
// or 503 naming the part that is not (Options.Ready says which). Without
// Ready it is the store's answer.
func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	check := h.opts.Ready
	if check == nil {
		check = h.svc.Ping
	}
	if err := check(ctx); err != nil {
		h.log.Warn("not ready", "err", err)
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// healthz answers that the process serves: liveness, which nothing but a
// hung server fails, so a slow disk does not get it restarted (that is
// what /readyz reports).
func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}
