// Package web serves jitgit's HTML pages and its JSON API (/api/v1).
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/sso"
)

// Options configures the web handler.
type Options struct {
	Service   *service.Service
	PublicURL string // e.g. http://127.0.0.1:3000, no trailing slash
	SSHURL    string // e.g. ssh://git@127.0.0.1:2222, empty when SSH is off
	Logger    *slog.Logger
	// SecureCookies marks session cookies Secure; set when served over TLS.
	SecureCookies bool
	// Metrics, when set, is served at /metrics to administrators.
	Metrics *Metrics
	// Ready, when set, is the check of /readyz: nil when the server can
	// take traffic, else an error naming what cannot (no secrets, no
	// paths: the page is public).
	Ready func(context.Context) error
	// Webhooks, when set, lists and redelivers webhook deliveries for
	// administrators (API and /admin/webhooks).
	Webhooks Webhooks
	// Mirrors fetches mirrors for the API; nil: creating and syncing
	// mirrors is refused.
	Mirrors service.MirrorFetcher
	// SSO, when set, offers sign-in through the identity provider;
	// Workloads, when set, serves the token exchange for CI jobs.
	SSO       *sso.SignIn
	Workloads *sso.Workloads
	// RepoRoot is the directory of the bare repositories
	// (<root>/owner/name.git), which the code browser reads; empty: the
	// code browser finds nothing.
	RepoRoot string
	// Purger purges repositories for the API; nil: purging is refused.
	Purger service.RepoPurger
	// Now is the clock of the pages and the API (time.Now when nil): the
	// service's, so that what they show active is what it decides active.
	Now func() time.Time
	// Reload re-reads the server's config file for POST
	// /api/v1/config/reload and says what it applied; nil: refused.
	Reload func(ctx context.Context, actor auth.Identity) (string, error)
	// SocketAdmin is the administrator the admin socket acts as when a
	// request names nobody (admin_user; "": the unnamed local-admin).
	SocketAdmin string
	// Limiters makes the sign-in and API authentication throttles: shared
	// by the nodes of a cluster, so that each does not give an attacker a
	// budget of its own; nil: this process's memory.
	Limiters ratelimit.NewLimiter
	// ClusterStatus, when set, answers GET /api/v1/cluster for
	// administrators.
	ClusterStatus func(ctx context.Context) (api.ClusterStatus, error)
}

// Handler serves the pages and the API to browsers and API clients.
type Handler struct {
	svc  *service.Service
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	csrf *http.CrossOriginProtection
	pg   *pages
	// apiThrottle refuses a client address after too many failed API
	// authentications, so passwords cannot be guessed through Basic.
	apiThrottle ratelimit.Limiter
	now         func() time.Time
}

// New returns the web handler.
func New(o Options) *Handler {
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Limiters == nil {
		o.Limiters = ratelimit.InMemory(o.Now)
	}
	h := &Handler{svc: o.Service, opts: o, log: o.Logger, mux: http.NewServeMux(), csrf: http.NewCrossOriginProtection(),
		apiThrottle: o.Limiters("api-auth", apiAuthFailures, 5*time.Minute), now: o.Now}
	if o.Metrics != nil && o.Metrics.sources.Service == nil {
		o.Metrics.sources.Service = o.Service
	}
	h.routeAPI(h.mux, h.remoteIdentity)
	h.routePages(h.mux)
	h.routeCode(h.mux)
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /readyz", h.readyz)
	h.mux.Handle("GET /metrics", h.metrics(h.remoteIdentity))
	return h
}

// ServeHTTP serves a request from the network. Every state-changing
// request must pass the cross-origin check; pages add their own token.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("X-Frame-Options", "DENY")
	h.csrf.Handler(h.mux).ServeHTTP(w, r)
}

// AdminSocket returns the API as served on the unix socket: every request
// acts as the administrator it names (`--as`), or else as the configured
// one (Options.SocketAdmin), or, when that user is missing, disabled or no
// administrator, as the unnamed local administrator, so that the socket
// still works to repair exactly that. Whoever can open the socket (mode
// 0600) is trusted.
func (h *Handler) AdminSocket() http.Handler {
	mux := http.NewServeMux()
	socket := func(r *http.Request) (auth.Identity, error) {
		if as := r.Header.Get(api.ActAsHeader); as != "" {
			return h.svc.SocketIdentity(r.Context(), as)
		}
		return h.svc.SocketDefaultIdentity(r.Context(), h.opts.SocketAdmin), nil
	}
	h.routeAPI(mux, socket)
	mux.Handle("GET /metrics", h.metrics(socket))
	return mux
}
