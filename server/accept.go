package server

import (
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"
)

// acceptRetry decides what an accept loop does after an error, as net/http
// does: an error that passes (out of file descriptors or memory, a
// connection reset before it was accepted, a timeout) is waited out, 5 ms
// at first and doubling up to a second, and the loop goes on; any other
// error ends the loop, and with it the server (see cmd/jitgit/lifecycle.go).
// A loop that stopped on "too many open files" would leave the process
// running and the port dead.
type acceptRetry struct {
	name  string
	log   *slog.Logger
	delay time.Duration
}

// retry reports whether the loop should accept again after err, having
// waited if so.
func (a *acceptRetry) retry(err error) bool {
	if !temporaryAcceptError(err) {
		return false
	}
	if a.delay == 0 {
		a.delay = 5 * time.Millisecond
	} else {
		a.delay = min(2*a.delay, time.Second)
	}
	a.log.Warn(a.name+": accept failed; retrying", "err", err, "in", a.delay)
	time.Sleep(a.delay)
	return true
}

// ok resets the wait after a connection was accepted.
func (a *acceptRetry) ok() { a.delay = 0 }

// temporaryAcceptError reports whether an accept error passes by itself.
func temporaryAcceptError(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EAGAIN, syscall.EINTR, syscall.EPROTO} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
