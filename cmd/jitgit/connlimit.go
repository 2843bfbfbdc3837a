package main

import (
	"fmt"
	"net"
	"syscall"

	"golang.org/x/net/netutil"
)

// Descriptor budget of the HTTP side.
const (
	// fdReserve is kept free below the open-file limit for everything that
	// is not an HTTP connection: SSH, Badger's files, git's pipes, the
	// sockets.
	fdReserve = 1024
	// maxDefaultHTTPConns bounds the default cap on a machine whose limit
	// is huge: each connection costs memory too.
	maxDefaultHTTPConns = 16384
)

// raiseFileLimit raises the soft open-file limit to the hard one, so that
// a flood of connections meets the HTTP cap before it meets "too many open
// files", and returns the soft limit now in force.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return l.Cur, fmt.Errorf("raise the open-file limit from %d to %d: %w", l.Cur, l.Max, err)
		}
		l = want
	}
	return l.Cur, nil
}

// httpConnLimit is the cap on open HTTP connections: configured, or
// fdReserve below the open-file limit (at least half of it), at most
// maxDefaultHTTPConns. A configured cap that leaves less than fdReserve is
// an error that says what to do.
func httpConnLimit(configured int, fileLimit uint64) (int, error) {
	room := int(min(fileLimit, 1<<30))
	if configured > 0 {
		if configured > room-fdReserve/4 {
			return 0, fmt.Errorf("http_max_connections = %d leaves too few of the %d open files for the rest of the server; set it below %d or raise the limit (ulimit -n, LimitNOFILE)",
				configured, room, room-fdReserve/4)
		}
		return configured, nil
	}
	return min(max(room-fdReserve, room/2), maxDefaultHTTPConns), nil
}

// limitHTTP caps the open connections of ln at n: past it, Accept waits
// for one to close, and new clients wait in the kernel's queue.
func limitHTTP(ln net.Listener, n int) net.Listener { return netutil.LimitListener(ln, n) }
