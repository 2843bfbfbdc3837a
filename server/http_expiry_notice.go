package server

import (
	"io"
	"strconv"
)

// sidebandNotice passes an upload-pack answer through and puts one
// side-band progress packet (band 2, which the client prints as
// "remote: ...") in front of the first side-band packet of the answer.
//
// That is the one place where such a packet is safe in every protocol: in
// v2 the first packet after the "packfile" section header, in v0 and v1
// the first packet after the ACK/NAK lines when the client asked for
// side-band or side-band-64k. Before it every packet is a pkt-line whose
// payload is text (ACK, NAK, shallow, section names, refs), never byte 1
// or 2. An answer with no side-band (a v0 client that did not ask for it:
// the raw pack follows as "PACK...", not a pkt-line), a negotiation round
// with no pack, and ls-refs contain no such packet and pass unchanged: the
// notice is never put where the client does not demultiplex.
type sidebandNotice struct {
	w      io.Writer
	notice []byte // the whole packet, length prefix and band included
	hdr    []byte // the start of the packet being read: up to 5 bytes
	left   int    // payload bytes of the current packet still to pass on
	done   bool   // injected, or the stream is past where it could be
	out    []byte
}

// maxNotice keeps the packet within plain side-band's 1000 bytes.
const maxNotice = 990

func newSidebandNotice(w io.Writer, line string) *sidebandNotice {
	if len(line) > maxNotice {
		line = line[:maxNotice-1] + "\n"
	}
	return &sidebandNotice{w: w, notice: pktLine("\x02" + line)}
}

func (s *sidebandNotice) Write(p []byte) (int, error) {
	if s.done && len(s.hdr) == 0 {
		return s.w.Write(p)
	}
	n := len(p)
	s.out = s.out[:0]
	for len(p) > 0 && !s.done {
		if s.left > 0 {
			k := min(s.left, len(p))
			s.out = append(s.out, p[:k]...)
			p, s.left = p[k:], s.left-k
			continue
		}
		s.hdr = append(s.hdr, p[0])
		p = p[1:]
		switch len(s.hdr) {
		case 4:
			size, err := strconv.ParseUint(string(s.hdr), 16, 16)
			switch {
			case err != nil: // not a pkt-line: a raw pack, no side-band
				s.done = true
			case size <= 4: // flush, delim, response-end, or empty
				s.out = append(s.out, s.hdr...)
				s.hdr = s.hdr[:0]
			}
		case 5: // the header and the first payload byte, which decides
			size, _ := strconv.ParseUint(string(s.hdr[:4]), 16, 16)
			if b := s.hdr[4]; b == 1 || b == 2 {
				s.out = append(s.out, s.notice...)
				s.done = true
			}
			s.out = append(s.out, s.hdr...)
			s.hdr = s.hdr[:0]
			s.left = int(size) - 5
		}
	}
	if s.done && len(s.hdr) > 0 {
		s.out = append(s.out, s.hdr...)
		s.hdr = s.hdr[:0]
	}
	s.out = append(s.out, p...)
	if len(s.out) > 0 {
		if _, err := s.w.Write(s.out); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// flush passes on what an answer ending inside a packet header left.
func (s *sidebandNotice) flush() error {
	if len(s.hdr) == 0 {
		return nil
	}
	_, err := s.w.Write(s.hdr)
	s.hdr = s.hdr[:0]
	return err
}
