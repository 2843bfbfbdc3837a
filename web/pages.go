package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// contentSecurityPolicy forbids inline script and style and every foreign
// origin; the pages load only their own CSS and JS.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// pages holds the HTML side: templates, sessions, sign-in throttling.
type pages struct {
	tmpl map[string]*template.Template
	// throttle counts failed sign-ins per address and name typed,
	// addrThrottle per address: never per name alone, which would let
	// anyone lock a user out.
	throttle     ratelimit.Limiter
	addrThrottle ratelimit.Limiter
	now          func() time.Time
}

// signInAddrFailures is how many failed sign-ins one address may make in
// five minutes, whatever names it types: an office behind one NAT shares it.
const signInAddrFailures = 30

// routePages registers the HTML pages.
func (h *Handler) routePages(mux *http.ServeMux) {
	h.pg = &pages{tmpl: mustTemplates(), throttle: h.opts.Limiters("signin-name", 5, 5*time.Minute),
		addrThrottle: h.opts.Limiters("signin-addr", signInAddrFailures, 5*time.Minute), now: h.now}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler(http.FileServerFS(static))))

	mux.HandleFunc("GET /signin", h.signInForm)
	mux.HandleFunc("POST /signin", h.signIn)
	mux.Handle("POST /signout", h.page(h.signOut))
	h.routeSSO(mux)

	mux.Handle("GET /{$}", h.page(h.dashboard))
	mux.Handle("GET /requests/new", h.page(h.requestForm))
	mux.Handle("POST /requests", h.page(h.createRequest))
	mux.Handle("GET /requests/{id}", h.page(h.requestDetail))
	mux.Handle("POST /requests/{id}/approve", h.page(h.approveRequest))
	mux.Handle("POST /requests/{id}/deny", h.page(h.denyRequest))
	mux.Handle("POST /requests/{id}/cancel", h.page(h.cancelRequest))
	mux.Handle("GET /approvals", h.page(h.approvals))
	mux.Handle("POST /approvals/bulk", h.page(h.bulkDecide))
	mux.Handle("POST /grants/{id}/relinquish", h.page(h.relinquishGrant))
	mux.Handle("GET /repos", h.page(h.repos))
	mux.Handle("GET /repos/{owner}/{name}", h.page(h.repoPage))

	mux.Handle("GET /settings", h.page(h.settings))
	mux.Handle("POST /settings/tokens", h.page(h.createToken))
	mux.Handle("POST /settings/tokens/{id}/revoke", h.page(h.revokeToken))
	mux.Handle("POST /settings/keys", h.page(h.addKey))
	mux.Handle("POST /settings/keys/remove", h.page(h.removeKey))
	mux.Handle("POST /settings/password", h.page(h.changePassword))

	mux.Handle("GET /admin/users", h.page(h.adminUsers))
	mux.Handle("POST /admin/users", h.page(h.adminCreateUser))
	mux.Handle("GET /admin/grants", h.page(h.adminGrants))
	mux.Handle("POST /admin/grants", h.page(h.adminCreateGrant))
	mux.Handle("POST /admin/grants/{id}/revoke", h.page(h.adminRevokeGrant))
	mux.Handle("POST /admin/users/{name}/disable", h.page(h.adminDisableUser(true)))
	mux.Handle("POST /admin/users/{name}/enable", h.page(h.adminDisableUser(false)))
	mux.Handle("GET /admin/audit", h.page(h.adminAudit))
	mux.Handle("GET /admin/repos", h.page(h.adminRepos))
	mux.Handle("GET /admin/webhooks", h.page(h.adminWebhooks))
	mux.Handle("POST /admin/webhooks/{id}/redeliver", h.page(h.adminRedeliver))
	mux.Handle("GET /reports/access", h.page(h.accessReport))
}

// staticHandler lets browsers cache the embedded assets for an hour.
func staticHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

func mustTemplates() map[string]*template.Template {
	funcs := template.FuncMap{
		"dur":  auth.FormatDuration,
		"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"rel":  relTime,
	}
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := make(map[string]*template.Template, len(names))
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

// view is what every template gets: the page's data plus who is looking.
type view struct {
	Title   string
	Me      auth.Identity
	CSRF    string
	Notice  string // a fixed message after a redirect
	Error   string // what went wrong, for the user
	Active  string // the navigation entry to highlight
	Now     time.Time
	Data    any
	Version string
}

// render writes a page with status. Rendering goes to a buffer first, so a
// template error never leaves half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, v view) {
	t, ok := h.pg.tmpl[name]
	if !ok {
		panic("web: no template " + name)
	}
	if v.Now.IsZero() {
		v.Now = h.pg.now()
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		h.log.Error("render", "template", name, "err", err)
		http.Error(w, "the page could not be shown", http.StatusInternalServerError)
		return
	}
	setPageHeaders(w)
	w.WriteHeader(status)
	_, _ = b.WriteTo(w)
}

// setPageHeaders marks a response as a private HTML page under the CSP.
func setPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	w.Header().Set("Cache-Control", "no-store")
}

// pageStatus maps a domain error to the status of the page that shows it.
func pageStatus(err error) int {
	if errors.Is(err, errBadCSRF) {
		return http.StatusForbidden
	}
	return apiStatus(err)
}

// friendly turns a domain error into the sentence a user reads: the
// message without the sentinel's prefix, and nothing internal.
func friendly(err error) string {
	switch pageStatus(err) {
	case http.StatusInternalServerError:
		return "Something went wrong on the server. Try again, or tell an administrator."
	case http.StatusNotFound:
		return "That does not exist, or you may not see it."
	case http.StatusUnauthorized:
		return "Sign in again."
	}
	msg := err.Error()
	for _, s := range []error{auth.ErrInvalid, auth.ErrForbidden, auth.ErrConflict, auth.ErrExists} {
		msg = strings.Replace(msg, s.Error()+": ", "", 1)
	}
	if msg == "" {
		return "That did not work."
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// showError renders the error page for err.
func (h *Handler) showError(w http.ResponseWriter, v *visit, err error) {
	status := pageStatus(err)
	if status == http.StatusInternalServerError {
		h.log.Error("page", "err", err)
	}
	vw := v.view("Error", "", nil)
	vw.Error = friendly(err)
	h.render(w, status, "error", vw)
}
