// Package forwarded finds a client's address behind trusted reverse proxies
// (X-Forwarded-For), for the audit trail and the rate limits.
package forwarded

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustProxies returns h with each request's RemoteAddr replaced by the
// client address that a trusted reverse proxy reported in
// X-Forwarded-For, so that the audit trail and the sign-in throttle see the
// client, not the proxy. The header is read from the right: the first
// address that is not itself a trusted proxy is the client. A request that
// does not come from a trusted proxy keeps its own address, whatever
// headers it sends.
func TrustProxies(h http.Handler, trusted []netip.Prefix) http.Handler {
	if len(trusted) == 0 {
		return h
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		peer, perr := netip.ParseAddr(host)
		xff := r.Header.Values("X-Forwarded-For")
		if err != nil || perr != nil || !isTrusted(peer) || len(xff) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(strings.Join(xff, ","), ",")
		client := peer
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: trust nothing left of it
			}
			client = a
			if !isTrusted(a) {
				break
			}
		}
		r2 := r.Clone(r.Context())
		r2.RemoteAddr = netip.AddrPortFrom(client.Unmap(), 0).String()
		h.ServeHTTP(w, r2)
	})
}
