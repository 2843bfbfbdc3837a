package server

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"
)

// Startups is a budget of unauthenticated connections, like OpenSSH's
// MaxStartups start:rate:full: below Start every new connection is let in;
// from Start on a new one is refused with probability Rate percent, rising
// linearly to 100 at Full. Random early drop keeps a flood from taking every
// slot while most real clients still get through.
type Startups struct {
	Start, Rate, Full int
}

// ParseStartups reads "start:rate:full", e.g. "40:30:80".
func ParseStartups(s string) (Startups, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Startups{}, fmt.Errorf("%q: use start:rate:full, e.g. 40:30:80", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return Startups{}, fmt.Errorf("%q: %q is not a number", s, p)
		}
		n[i] = v
	}
	st := Startups{Start: n[0], Rate: n[1], Full: n[2]}
	if st.Start < 1 || st.Rate > 100 || st.Full < st.Start {
		return Startups{}, fmt.Errorf("%q: start must be at least 1, rate at most 100 and full at least start", s)
	}
	return st, nil
}

// drop reports whether a new connection is refused when n are already
// unauthenticated.
func (b Startups) drop(n int) bool {
	switch {
	case n < b.Start:
		return false
	case n >= b.Full:
		return true
	}
	p := b.Rate + (100-b.Rate)*(n-b.Start)/(b.Full-b.Start)
	return rand.IntN(100) < p
}

// Defaults of the SSH admission when SSHConfig leaves them zero.
var (
	// DefaultSSHStartups is the budget of unauthenticated connections of
	// the whole server.
	DefaultSSHStartups = Startups{Start: 100, Rate: 30, Full: 300}
	// DefaultSSHStartupsPerAddr is the budget of one address: 32 parallel
	// clones from a CI runner or a NAT start well inside it.
	DefaultSSHStartupsPerAddr = Startups{Start: 48, Rate: 30, Full: 96}
)

// Admission defaults.
const (
	// DefaultSSHMaxConnsPerUser bounds the authenticated connections of one
	// user (anonymous ones count per address).
	DefaultSSHMaxConnsPerUser = 64
	// staleStartup is how long an unauthenticated connection may wait before
	// a newcomer from its address, finding the budget full, takes its slot:
	// a real handshake takes milliseconds, so only connections that are
	// idling on purpose give way.
	staleStartup = time.Second
)

// connState is what the server keeps of one open connection.
type connState struct {
	host     string
	opened   time.Time
	authed   bool
	user     string // once authenticated: the user, or "anonymous@host"
	evicted  bool   // closed to make room, before it authenticated
	sessions int
}

// preAuthRefusal is what a client refused before the SSH handshake is
// sent: RFC 4253 allows lines before the version string, and OpenSSH shows
// them with -v, so the refused client can learn why.
const preAuthRefusal = "jitgit: too many unauthenticated SSH connections from your address or to this server; try again in a few seconds\r\n"

// admitLocked decides a new connection from host: it returns "" to admit it,
// or the reason it is refused. A newcomer that finds its address's budget
// full takes the slot of the oldest unauthenticated connection of its
// address older than staleStartup, which is closed: idle connections hold
// no address's users out. Called with s.mu held.
func (s *SSH) admitLocked(host string, now time.Time) string {
	if s.perAddr[host] >= s.cfg.MaxConnsPerAddr {
		return fmt.Sprintf("connections from one address (%d)", s.cfg.MaxConnsPerAddr)
	}
	if s.cfg.MaxStartups.drop(s.preAuth) {
		return fmt.Sprintf("unauthenticated connections to the server (%d)", s.preAuth)
	}
	if n := s.preAuthPerAddr[host]; s.cfg.MaxStartupsPerAddr.drop(n) {
		var oldest net.Conn
		var at time.Time
		for nc, st := range s.conns {
			if st.host == host && !st.authed && now.Sub(st.opened) >= staleStartup && (oldest == nil || st.opened.Before(at)) {
				oldest, at = nc, st.opened
			}
		}
		if oldest == nil {
			return fmt.Sprintf("unauthenticated connections from one address (%d)", n)
		}
		// Its handler returns soon; it leaves the budget now, so that
		// the newcomer fits.
		st := s.conns[oldest]
		st.evicted = true
		s.leavePreAuthLocked(st)
		oldest.Close()
	}
	return ""
}

// authenticatedLocked moves an admitted connection from the pre-auth budget
// to its user's count; it returns the reason it is refused, or "". Called
// with s.mu held.
func (s *SSH) authenticatedLocked(nc net.Conn, user string) string {
	st := s.conns[nc]
	if st == nil || st.evicted {
		return "the connection was closed to make room"
	}
	s.leavePreAuthLocked(st)
	st.authed, st.user = true, user
	s.perUser[user]++
	if s.perUser[user] > s.cfg.MaxConnsPerUser {
		return fmt.Sprintf("too many SSH connections for %s (at most %d); close some or try again later", user, s.cfg.MaxConnsPerUser)
	}
	return ""
}

// releaseLocked forgets a connection that ended. Called with s.mu held.
func (s *SSH) releaseLocked(nc net.Conn) {
	st := s.conns[nc]
	if st == nil {
		return
	}
	if s.perAddr[st.host]--; s.perAddr[st.host] <= 0 {
		delete(s.perAddr, st.host)
	}
	switch {
	case st.evicted:
	case !st.authed:
		s.leavePreAuthLocked(st)
	default:
		if s.perUser[st.user]--; s.perUser[st.user] <= 0 {
			delete(s.perUser, st.user)
		}
	}
	delete(s.conns, nc)
}

func (s *SSH) leavePreAuthLocked(st *connState) {
	s.preAuth--
	if s.preAuthPerAddr[st.host]--; s.preAuthPerAddr[st.host] <= 0 {
		delete(s.preAuthPerAddr, st.host)
	}
}
