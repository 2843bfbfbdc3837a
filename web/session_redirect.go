package web

import (
	"net/url"
	"strings"
)

// safeNext returns the path to go to after sign-in: next when it is a
// path on this site, "/" otherwise. It refuses absolute and
// scheme-relative URLs ("//evil", "/\evil"), anything a browser might read
// as such after decoding, and control characters.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || next[0] != '/' {
		return "/"
	}
	dec, err := url.PathUnescape(next)
	if err != nil {
		return "/"
	}
	for _, s := range []string{next, dec} {
		if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
			return "/"
		}
		if strings.ContainsAny(s, "\\\x00\r\n\t") {
			return "/"
		}
		for _, c := range s {
			if c < 0x20 || c == 0x7f {
				return "/"
			}
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}
