package web

import "net/http"

// pages holds the HTML side: templates, sessions, sign-in throttling.
type pages struct{}

// routePages registers the HTML pages.
func (h *Handler) routePages(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("jitgit\n"))
	})
}
