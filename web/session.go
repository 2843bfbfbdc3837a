package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/jitgit/jitgit/auth"
)

// sessionCookie holds the session secret; the server stores only its hash.
const sessionCookie = "jitgit_session"

// errBadCSRF is a POST whose form token does not match the session's.
var errBadCSRF = errors.New("the form is stale or did not come from this site; reload the page and try again")

// maxFormBody bounds every form a page accepts.
const maxFormBody = 64 << 10

// visit is one signed-in request to a page.
type visit struct {
	who    auth.Identity
	sess   auth.Session
	secret string
}

// view starts the template data for a page seen in this visit.
func (v *visit) view(title, active string, data any) view {
	if v == nil {
		return view{Title: title, Active: active, Data: data}
	}
	return view{Title: title, Me: v.who, CSRF: v.sess.CSRF, Active: active, Data: data}
}

// pageFunc serves one page to a signed-in user.
type pageFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// page wraps a pageFunc: it finds the session (sending visitors without
// one to sign in), checks the CSRF token of every POST, bounds the form and
// shows any returned error as a page.
func (h *Handler) page(f pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := h.visitOf(r)
		if err != nil {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				h.showError(w, nil, fmt.Errorf("%w: your session has ended; sign in and try again", auth.ErrForbidden))
				return
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
			if err := r.ParseForm(); err != nil {
				h.showError(w, v, fmt.Errorf("%w: the form could not be read", auth.ErrInvalid))
				return
			}
			if !sameToken(r.PostForm.Get("csrf"), v.sess.CSRF) {
				h.showError(w, v, errBadCSRF)
				return
			}
		}
		if err := f(w, r, v); err != nil {
			h.showError(w, v, err)
		}
	})
}

// visitOf finds the signed-in user of a request from the session cookie.
func (h *Handler) visitOf(r *http.Request) (*visit, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, auth.ErrUnauthenticated
	}
	who, sess, err := h.svc.SessionIdentity(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	who.Remote, who.Transport = r.RemoteAddr, "web"
	return &visit{who: who, sess: sess, secret: c.Value}, nil
}

// sameToken compares a submitted form token with the expected one in
// constant time; an empty expected token never matches.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setSessionCookie hands the browser a new session secret.
func (h *Handler) setSessionCookie(w http.ResponseWriter, secret string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}
