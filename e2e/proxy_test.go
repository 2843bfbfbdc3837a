package e2e

import (
	"net"
	"testing"
)

// forward listens on a loopback port until t ends and, for each connection
// to it, dials target and hands both to relay, which moves the bytes as the
// test wants them moved; both connections are closed when relay returns.
// It returns the address to connect to.
func forward(t *testing.T, target string, relay func(client, server net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				s, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer s.Close()
				relay(c, s)
			}()
		}
	}()
	return ln.Addr().String()
}
