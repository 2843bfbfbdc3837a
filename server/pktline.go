package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxPktLen is the largest pkt-line git sends or accepts, length prefix
// included.
const maxPktLen = 65520

// Special packets: a length below 4 carries no data.
const (
	pktFlush       = 0 // "0000": end of a section (and of a v2 request)
	pktDelim       = 1 // "0001": v2, between capabilities and arguments
	pktResponseEnd = 2 // "0002": v2, end of a stateless response
)

// ProtocolError is a client's request that is not valid Git protocol, or
// that asks for what the server does not serve: the client's fault, never
// the server's. Msg is what the client is told.
type ProtocolError struct {
	Msg string
	// NotOurRef marks a want of an object no advertised ref reaches; the
	// client is told in git's own words, as an ERR packet.
	NotOurRef bool
}

func (e *ProtocolError) Error() string { return e.Msg }

func protocolErrorf(format string, args ...any) *ProtocolError {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// pkt is one packet: special is set for a flush, delim or response-end
// (len is then its number), else data is the payload. raw is the packet as
// read, prefix included.
type pkt struct {
	special bool
	len     int
	data    []byte
	raw     []byte
}

// readPkt reads one pkt-line from r. The data of the packet returned is
// valid until the next call with the same buf. A clean end of the stream
// before any byte of a packet is io.EOF; everything else that is not a
// well-formed packet is a *ProtocolError: a length that is not four hex
// digits, above 65520, of 3 or of 4 (an empty packet, which git never
// sends), or a stream that ends inside a packet.
func readPkt(r *bufio.Reader, buf []byte) (pkt, []byte, error) {
	var hdr [4]byte
	n, err := io.ReadFull(r, hdr[:])
	if err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return pkt{}, buf, io.EOF
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return pkt{}, buf, protocolErrorf("malformed pkt-line: the request ends inside a length prefix")
		}
		return pkt{}, buf, err
	}
	size := 0
	for _, c := range hdr {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return pkt{}, buf, protocolErrorf("malformed pkt-line: length prefix %q is not four hex digits", printableASCII(string(hdr[:])))
		}
		size = size<<4 | int(v)
	}
	buf = append(buf[:0], hdr[:]...)
	switch {
	case size < 3:
		return pkt{special: true, len: size, raw: buf}, buf, nil
	case size == 3:
		return pkt{}, buf, protocolErrorf("malformed pkt-line: length 0003 is not a packet")
	case size == 4:
		return pkt{}, buf, protocolErrorf("malformed pkt-line: empty packet 0004")
	case size > maxPktLen:
		return pkt{}, buf, protocolErrorf("malformed pkt-line: length %d is above the limit of %d", size, maxPktLen)
	}
	buf = append(buf, make([]byte, size-4)...)
	if _, err := io.ReadFull(r, buf[4:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return pkt{}, buf, protocolErrorf("malformed pkt-line: the request ends inside a packet of %d bytes", size)
		}
		return pkt{}, buf, err
	}
	return pkt{len: size, data: buf[4:], raw: buf}, buf, nil
}
