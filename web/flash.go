package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// flashCookie carries the result of the last form a browser sent to the
// page it is sent to next. It names a fixed notice, never user text, and
// is bound to the session that sent the form, so a link cannot carry one
// and another browser cannot show it.
const flashCookie = "jitgit_flash"

// notices are the fixed messages a flash may name.
var notices = map[string]string{
	"requested":    "Your request is filed. Approvers see it in their queue.",
	"auto":         "Your request was approved at once by a standing rule; the grant is active.",
	"approved":     "Approved.",
	"approval":     "Your approval is recorded; the request needs more approvals.",
	"denied":       "Denied. The requester sees your reason.",
	"cancelled":    "Request cancelled.",
	"relinquished": "Grant ended. Thanks for giving it back.",
	"revoked":      "Grant revoked.",
	"token":        "Token revoked.",
	"key":          "SSH key added.",
	"keyremoved":   "SSH key removed.",
	"user":         "User added.",
	"granted":      "Granted. It ends on its own.",
	"disabled":     "User disabled: their tokens, keys and sessions no longer work.",
	"enabled":      "User enabled.",
	"signedout":    "You are signed out.",
	"password":     "Your password is changed and your sessions have ended; sign in with the new one.",
	"bulk":         "Done: the requests you chose are decided.",
	"bulkpartial":  "Some of the requests you chose could not be decided; they stay in the queue, each with its reason.",
}

// sessionlessNotices are shown to a browser whose session has just ended:
// they cannot be bound to it, and say nothing a stranger could misuse.
var sessionlessNotices = map[string]bool{"signedout": true, "password": true}

// flashMAC binds notice key to the session secret of the browser.
func flashMAC(session, key string) string {
	m := hmac.New(sha256.New, []byte("jitgit flash\x00"+session))
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// sessionSecret is the session cookie's value, or "" without one.
func sessionSecret(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// seeOther redirects after a POST to a local path and leaves the notice
// done for the next page the browser shows.
func seeOther(w http.ResponseWriter, r *http.Request, path, done string) {
	if _, ok := notices[done]; ok {
		http.SetCookie(w, &http.Cookie{
			Name: flashCookie, Value: done + "." + flashMAC(sessionSecret(r), done), Path: "/", MaxAge: 300,
			HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		})
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// notice returns the flash the browser carries, once: it clears the cookie
// in the same response. A flash of another session shows nothing.
func notice(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	key, mac, _ := strings.Cut(c.Value, ".")
	msg, ok := notices[key]
	if !ok {
		return ""
	}
	if hmac.Equal([]byte(mac), []byte(flashMAC(sessionSecret(r), key))) || sessionlessNotices[key] {
		return msg
	}
	return ""
}
