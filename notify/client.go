package notify

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ClientOptions shape the outbound HTTP client of the webhooks.
type ClientOptions struct {
	// Timeout bounds one delivery, connection to last byte (default 10s).
	Timeout time.Duration
	// RefusePrivate refuses receivers at loopback, private, link-local
	// and other non-public addresses, checked on the address actually
	// dialled (so a name that resolves there is refused too). Off by
	// default: on-premise receivers are often on a private network.
	RefusePrivate bool
}

// ErrRedirect is the error of a receiver that answered with a redirect:
// redirects are never followed, so a receiver cannot send the signed
// events somewhere else.
var ErrRedirect = errors.New("receiver answered with a redirect, which is not followed")

// NewClient returns the client deliveries use: no redirects followed, a
// timeout on each delivery and each phase of it, and optionally no
// private targets. Without RefusePrivate it honours the proxy environment
// variables; with it there is no proxy, whose address would be checked
// instead of the receiver's.
func NewClient(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: o.Timeout}
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    o.Timeout,
		ResponseHeaderTimeout:  o.Timeout,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if o.RefusePrivate {
		tr.Proxy = nil
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook target %s: %w", address, err)
			}
			if a := ap.Addr().Unmap(); !public(a) {
				return fmt.Errorf("webhook target %s is not a public address (webhooks refuse private targets)", a)
			}
			return nil
		}
	}
	return &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// public reports whether a is a globally routable unicast address.
func public(a netip.Addr) bool {
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are ranges the netip predicates do not cover: carrier-grade
// NAT, benchmarking, documentation, the IPv4-in-IPv6 translation prefix.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}
