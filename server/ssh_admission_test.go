package server

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestSSHManyParallelFromOneAddress: with the default limits, 40
// connections of one user from one address (a CI runner, an office NAT)
// are all let in and all run a command.
func TestSSHManyParallelFromOneAddress(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			c, err := s.dial(ssh.PublicKeys(s.keys["alice"]))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			sess, err := c.NewSession()
			if err != nil {
				errs <- err
				return
			}
			defer sess.Close()
			if err := sess.Shell(); err != nil {
				errs <- err
			}
			sess.Wait()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSSHIdleUnauthenticatedLockNobodyOut: connections that never start
// the handshake fill the address's pre-auth budget, and still a real
// client from that address gets in: a newcomer takes the slot of an
// unauthenticated connection idling for longer than a handshake takes.
// Refused clients are told why before the version exchange.
func TestSSHIdleUnauthenticatedLockNobodyOut(t *testing.T) {
	clock := time.Now()
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	s := newSSHTestServer(t, SSHConfig{Now: now, MaxStartupsPerAddr: Startups{Start: 10, Rate: 100, Full: 10}}, "")
	var idle []net.Conn
	for range 10 {
		nc, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		idle = append(idle, nc)
	}
	// Wait until the server has admitted all ten: each sends its version.
	for _, nc := range idle {
		nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 8)
		if _, err := nc.Read(buf); err != nil || !strings.HasPrefix(string(buf), "SSH-2.0") {
			t.Fatalf("idle connection not admitted: %q %v", buf, err)
		}
	}
	// Fresh idle connections do not give way: the eleventh is refused and
	// hears why.
	nc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 200)
	n, _ := nc.Read(buf)
	nc.Close()
	if !strings.Contains(string(buf[:n]), "too many unauthenticated SSH connections") {
		t.Fatalf("refused client told %q", buf[:n])
	}
	mu.Lock()
	clock = clock.Add(2 * staleStartup)
	mu.Unlock()
	c, err := s.dial(ssh.PublicKeys(s.keys["alice"]))
	if err != nil {
		t.Fatalf("a real client behind ten idle connections: %v", err)
	}
	c.Close()
}

// TestSSHPerUserLimit: authenticated connections count per user; one past
// the limit is told why when it opens a session.
func TestSSHPerUserLimit(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{MaxConnsPerUser: 2}, "")
	s.client("alice")
	s.client("alice")
	s.client("bob")
	c := s.client("alice")
	_, err := c.NewSession()
	if err == nil || !strings.Contains(err.Error(), "too many SSH connections for alice (at most 2)") {
		t.Fatalf("third connection of alice: %v", err)
	}
}

func TestParseStartups(t *testing.T) {
	if st, err := ParseStartups("10:30:60"); err != nil || st != (Startups{10, 30, 60}) {
		t.Fatal(st, err)
	}
	for _, bad := range []string{"", "10", "10:30", "a:b:c", "10:130:60", "60:30:10", "0:30:10"} {
		if _, err := ParseStartups(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
