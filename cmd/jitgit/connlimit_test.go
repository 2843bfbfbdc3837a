package main

import (
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHTTPConnLimit(t *testing.T) {
	for _, c := range []struct {
		configured int
		limit      uint64
		want       int
	}{
		{0, 1024, 512}, {0, 4096, 3072}, {0, 1 << 20, maxDefaultHTTPConns}, {100, 1024, 100},
	} {
		if got, err := httpConnLimit(c.configured, c.limit); err != nil || got != c.want {
			t.Errorf("httpConnLimit(%d, %d) = %d, %v; want %d", c.configured, c.limit, got, err, c.want)
		}
	}
	if _, err := httpConnLimit(5000, 4096); err == nil || !strings.Contains(err.Error(), "http_max_connections") {
		t.Errorf("a cap above the descriptor limit: %v", err)
	}
}

// TestRaiseFileLimit: the soft open-file limit ends at the hard one.
func TestRaiseFileLimit(t *testing.T) {
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before); err != nil {
		t.Fatal(err)
	}
	got, err := raiseFileLimit()
	if err != nil || got != before.Max {
		t.Fatalf("limit %d (hard %d): %v", got, before.Max, err)
	}
}

// TestHTTPListenerCapped: past the cap, a new connection is not accepted
// until one closes, so half-open connections cannot take every descriptor.
func TestHTTPListenerCapped(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := limitHTTP(raw, 2)
	defer ln.Close()
	accepted := make(chan net.Conn, 3)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for range 3 {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	first := <-accepted
	<-accepted
	select {
	case <-accepted:
		t.Fatal("a third connection accepted past a cap of 2")
	case <-time.After(200 * time.Millisecond):
	}
	first.Close()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting connection was not accepted once one closed")
	}
}
