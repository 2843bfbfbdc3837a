package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/sso"
)

// ssoCookie binds a sign-in under way to the browser that started it. It
// is Lax, not Strict: the provider's redirect back is a cross-site
// navigation, and the cookie must come along with it.
const ssoCookie = "jitgit_sso"

// routeSSO registers the sign-in through the identity provider, when one is
// configured.
func (h *Handler) routeSSO(mux *http.ServeMux) {
	if h.opts.SSO == nil {
		return
	}
	mux.HandleFunc("GET /signin/oidc", h.ssoStart)
	mux.HandleFunc("GET "+sso.CallbackPath, h.ssoCallback)
}

// ssoStart sends the browser to the provider. With stepup=1 the provider is
// asked to authenticate the user again (max_age), for approvals.
func (h *Handler) ssoStart(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	var maxAge time.Duration
	if r.URL.Query().Get("stepup") == "1" {
		maxAge = h.opts.SSO.StepUpMaxAge()
	}
	to, binding, err := h.opts.SSO.Start(r.Context(), next, remoteHost(r), maxAge)
	if errors.Is(err, sso.ErrBusy) {
		w.Header().Set("Retry-After", "60")
		h.ssoFailed(w, r, http.StatusTooManyRequests, "Too many sign-ins are under way from your address. Try again in a few minutes.")
		return
	}
	if err != nil {
		h.log.Warn("sso start", "err", err)
		h.ssoFailed(w, r, http.StatusBadGateway, "The identity provider cannot be reached right now. Try again in a minute, or tell an administrator.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: binding, Path: "/signin/oidc", MaxAge: 600,
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ssoCallback finishes the sign-in the provider sent the browser back
// from, and opens a new session (the old one, if any, ends).
func (h *Handler) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Path: "/signin/oidc", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	// Refused callbacks count like wrong passwords: each is audited, and
	// an address may not fill the trail with them.
	addr := "addr:" + remoteHost(r)
	if wait := h.pg.throttle.Wait(addr); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		h.ssoFailed(w, r, http.StatusTooManyRequests, "Too many failed sign-ins from your address. Try again in a few minutes.")
		return
	}
	if e := q.Get("error"); e != "" {
		// Only the short error code is shown, bounded and escaped; the
		// error_description is anyone's text and is not.
		code := auth.Printable(truncate(e, 40))
		h.pg.throttle.Fail(addr)
		if err := h.svc.RefusedSignIn(r.Context(), h.opts.SSO.Issuer(), "", r.RemoteAddr, "the provider answered "+code); err != nil {
			h.log.Error("sso sign-in", "err", err)
		}
		h.ssoFailed(w, r, http.StatusUnauthorized, "The identity provider did not sign you in ("+code+"). Try again.")
		return
	}
	c, err := r.Cookie(ssoCookie)
	binding := ""
	if err == nil {
		binding = c.Value
	}
	res, err := h.opts.SSO.Finish(r.Context(), binding, q.Get("state"), q.Get("code"), r.RemoteAddr)
	if err != nil {
		status, msg := http.StatusUnauthorized, ssoMessage(err)
		switch {
		case errors.Is(err, auth.ErrForbidden):
			status = http.StatusForbidden
		case !errors.Is(err, sso.ErrSignIn) && !errors.Is(err, auth.ErrUnauthenticated):
			h.log.Warn("sso sign-in", "err", err)
			status, msg = http.StatusBadGateway, "The sign-in could not be completed with the identity provider. Try again in a minute, or tell an administrator."
		}
		h.pg.throttle.Fail(addr)
		h.ssoFailed(w, r, status, msg)
		return
	}
	if old, err := h.visitOf(r); err == nil {
		_ = h.svc.SignOut(r.Context(), old.who, old.secret)
	}
	h.setSessionCookie(w, res.Secret, int(res.Session.Expires.Sub(h.now())/time.Second))
	http.Redirect(w, r, safeNext(res.Next), http.StatusSeeOther)
}

// ssoFailed shows the sign-in page with what went wrong.
func (h *Handler) ssoFailed(w http.ResponseWriter, r *http.Request, status int, msg string) {
	vw := view{Title: "Sign in", Error: msg, Data: h.signInData("", "/")}
	vw.CSRF = h.signInToken(w, r)
	h.render(w, status, "signin", vw)
}

// stepUp reports whether approving needs a fresh sign-in first, and sends
// the browser to get one, back to the request afterwards.
func (h *Handler) stepUp(w http.ResponseWriter, r *http.Request, v *visit, back string) bool {
	if h.opts.SSO == nil || h.opts.SSO.StepUpMaxAge() <= 0 {
		return false
	}
	if h.now().Sub(v.sess.Created) <= h.opts.SSO.StepUpMaxAge() {
		return false
	}
	http.Redirect(w, r, fmt.Sprintf("/signin/oidc?stepup=1&next=%s", url.QueryEscape(back)), http.StatusSeeOther)
	return true
}

// ssoMessage is a refused sign-in's reason without the sentinels' words.
func ssoMessage(err error) string {
	msg := err.Error()
	for _, s := range []error{auth.ErrUnauthenticated, sso.ErrSignIn, auth.ErrForbidden} {
		for strings.HasPrefix(msg, s.Error()+": ") {
			msg = strings.TrimPrefix(msg, s.Error()+": ")
		}
	}
	msg = strings.ReplaceAll(msg, "sign-in refused: ", "")
	if msg == "" {
		return "The sign-in did not work; try again."
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// stepUpAPI refuses approvals through the API while step-up is on: a token
// or password proves no recent sign-in at the provider. The admin socket is
// not refused.
func (h *Handler) stepUpAPI(who auth.Identity) error {
	if h.opts.SSO == nil || h.opts.SSO.StepUpMaxAge() <= 0 || who.IsLocalAdmin() {
		return nil
	}
	return fmt.Errorf("%w: approving needs a sign-in at %s within %s here; approve in the web page", auth.ErrForbidden,
		h.opts.SSO.Name(), auth.FormatDuration(h.opts.SSO.StepUpMaxAge()))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
