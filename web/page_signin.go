package web

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/secret"
)

// signInCookie carries the token of the sign-in form, which has no session
// to hold one yet: the form must echo the cookie (double submit).
const signInCookie = "jitgit_signin"

type signInData struct {
	Name string
	Next string
	// SSO names the identity provider of the "Sign in with" button; empty
	// when none is configured. Passwords says whether the password form
	// is offered.
	SSO       string
	Passwords bool
}

func (h *Handler) signInData(name, next string) signInData {
	d := signInData{Name: name, Next: next, Passwords: !h.svc.Config().NoPasswords}
	if h.opts.SSO != nil {
		d.SSO = h.opts.SSO.Name()
	}
	return d
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := h.visitOf(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	vw := view{Title: "Sign in", Notice: notice(w, r), Data: h.signInData("", next)}
	vw.CSRF = h.signInToken(w, r)
	h.render(w, http.StatusOK, "signin", vw)
}

// signInToken returns the sign-in form token, setting its cookie when the
// browser has none.
func (h *Handler) signInToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(signInCookie); err == nil && len(c.Value) >= 32 && len(c.Value) <= 100 {
		return c.Value
	}
	tok := secret.NewSecret(32)
	http.SetCookie(w, &http.Cookie{
		Name: signInCookie, Value: tok, Path: "/signin", MaxAge: 3600,
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return tok
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		h.showError(w, nil, fmt.Errorf("%w: the form could not be read", auth.ErrInvalid))
		return
	}
	c, err := r.Cookie(signInCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), c.Value) {
		h.showError(w, nil, errBadCSRF)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("user"))
	data := h.signInData(name, safeNext(r.PostForm.Get("next")))
	again := func(status int, msg string) {
		vw := view{Title: "Sign in", Error: msg, Data: data, CSRF: c.Value}
		h.render(w, status, "signin", vw)
	}
	if !data.Passwords {
		again(http.StatusForbidden, "Password sign-in is turned off here. Sign in with "+data.SSO+".")
		return
	}
	addr, pairKey := signInKeys(remoteHost(r), name)
	if wait := max(h.pg.throttle.Wait(pairKey), h.pg.addrThrottle.Wait(addr)); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		if ratelimit.Unreachable(h.pg.throttle) || ratelimit.Unreachable(h.pg.addrThrottle) {
			again(http.StatusServiceUnavailable, "Sign-in is paused: this server cannot reach the store it shares with the other servers to count failed sign-ins. Try again in a minute.")
			return
		}
		again(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-ins. Try again in %s.", auth.FormatDuration(time.Duration(secs)*time.Second)))
		return
	}
	plain, sess, err := h.svc.SignIn(r.Context(), name, r.PostForm.Get("password"), r.RemoteAddr)
	if err != nil {
		if errors.Is(err, secret.ErrBusy) {
			w.Header().Set("Retry-After", "1")
			again(http.StatusTooManyRequests, "The server is checking too many passwords at once. Try again in a second.")
			return
		}
		if errors.Is(err, auth.ErrUnavailable) {
			w.Header().Set("Retry-After", "5")
			again(http.StatusServiceUnavailable, "Sign-in is paused: this server cannot reach its store. Try again in a minute.")
			return
		}
		h.pg.throttle.Fail(pairKey)
		h.pg.addrThrottle.Fail(addr)
		again(http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	h.pg.throttle.Forget(pairKey)
	if old, err := h.visitOf(r); err == nil {
		// A browser signing in again drops its old session for good.
		_ = h.svc.SignOut(r.Context(), old.who, old.secret)
	}
	h.setSessionCookie(w, plain, int(sess.Expires.Sub(h.now())/time.Second))
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Path: "/signin", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.svc.SignOut(r.Context(), v.who, v.secret); err != nil {
		return err
	}
	h.setSessionCookie(w, "", -1)
	seeOther(w, r, "/signin", "signedout")
	return nil
}

// signInKeys are the throttle keys of a sign-in: the address alone, and
// the address with the name typed. No key is the name alone, so nobody can
// lock a user out from addresses of their own.
func signInKeys(host, name string) (addr, pair string) {
	if len(name) > 200 {
		name = name[:200]
	}
	return "addr:" + host, "addr:" + host + " user:" + strings.ToLower(name)
}

// remoteHost is the client address without its port.
func remoteHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
