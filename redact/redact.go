// Package redact hides the credentials in a mirror's upstream URL, so that
// no password or token given in one reaches a page, a log or the audit trail.
package redact

import (
	"net/url"
	"strings"
)

// URL hides the secrets of a URL's user information: user:secret@
// becomes user:***@, and an http(s) user name alone (often a token, as in
// https://TOKEN@host/) becomes ***@. Everything else is left as written.
func URL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return s
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		if scheme := strings.ToLower(s[:i]); scheme == "http" || scheme == "https" {
			return s[:i+3] + "***" + rest[at:]
		}
		return s
	}
	return s[:i+3] + user + ":***" + rest[at:]
}

// In removes every spelling of upstream's password from text, such
// as a git error message.
func In(text, upstream string) string {
	text = strings.ReplaceAll(text, upstream, URL(upstream))
	u, err := url.Parse(upstream)
	if err != nil || u.User == nil {
		return text
	}
	secret, ok := u.User.Password()
	if !ok && (u.Scheme == "http" || u.Scheme == "https") {
		secret = u.User.Username() // a token given as the user name
	}
	if secret == "" {
		return text
	}
	for _, p := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		text = strings.ReplaceAll(text, p, "***")
	}
	return text
}
