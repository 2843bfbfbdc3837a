package server

import (
	"net"
	"syscall"
)

// quickAck asks Linux to acknowledge the next segments at once instead of
// delaying the ACK. OpenSSH's client leaves Nagle's algorithm on, so it
// holds a small packet until the previous one is acknowledged; with
// delayed ACKs every such exchange in the handshake and in Git's
// request/response turns costs ~40 ms. The flag is not sticky, so it is
// set again before every read.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
