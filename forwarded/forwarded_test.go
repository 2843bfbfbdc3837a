package forwarded

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestTrustProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	var seen string
	h := TrustProxies(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }), trusted)
	for _, c := range []struct {
		peer, xff, want string
	}{
		{"127.0.0.1:5000", "203.0.113.9", "203.0.113.9:0"},                 // one trusted proxy
		{"127.0.0.1:5000", "203.0.113.9, 10.1.2.3", "203.0.113.9:0"},       // two trusted hops
		{"127.0.0.1:5000", "198.51.100.1, 203.0.113.9", "203.0.113.9:0"},   // a client-sent hop on the left is not believed
		{"192.0.2.50:5000", "203.0.113.9", "192.0.2.50:5000"},              // not from a trusted proxy: header ignored
		{"127.0.0.1:5000", "", "127.0.0.1:5000"},                           // no header
		{"127.0.0.1:5000", "not-an-ip", "127.0.0.1:0"},                     // garbage: the proxy itself
		{"127.0.0.1:5000", "203.0.113.9, garbage, 10.0.0.1", "10.0.0.1:0"}, // stops at garbage
		{"[::ffff:127.0.0.1]:5000", "2001:db8::7", "[2001:db8::7]:0"},      // mapped IPv4 peer, IPv6 client
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != c.want {
			t.Errorf("peer %s XFF %q: RemoteAddr %s, want %s", c.peer, c.xff, seen, c.want)
		}
	}
}
