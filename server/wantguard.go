package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
)

// maxHeldRequest bounds how much of a request the want guard holds back
// while it checks the wants: a clone of a repository with a hundred
// thousand refs sends about 5 MiB of wants.
const maxHeldRequest = 64 << 20

// wantChecker says whether every object id in wants is reachable from a
// ref the repository advertises; the error is a *ProtocolError naming the
// first that is not, or the server's own failure to check.
type wantChecker func(ctx context.Context, wants []string) error

// wantGuard is upload-pack's stdin as the client sent it, passed on only
// once it is known to be well-formed pkt-lines and every "want" in it names
// an object reachable from an advertised ref. git upload-pack checks that
// itself only for commits on protocol v0 and v1 (and, with
// uploadpack.allowReachableSHA1InWant, not for trees and blobs); on
// protocol v2 it serves any object it has. So the guard holds back each
// section that has wants until its end (a flush, a delim or "done"), checks
// them, and only then lets git read it. On protocol v2 it passes only the
// commands ls-refs and fetch.
//
// A refusal or a malformed packet ends the stream with an error, which git
// sees as the client hanging up; Err says why.
type wantGuard struct {
	ctx   context.Context
	src   *bufio.Reader
	check wantChecker

	buf   []byte       // the packet being read
	ready bytes.Buffer // checked, for git to read
	held  bytes.Buffer // read after an unchecked want
	wants []string
	err   error
	// afterFlush: the last packet was a flush.
	afterFlush bool
}

func newWantGuard(ctx context.Context, src io.Reader, check wantChecker) *wantGuard {
	return &wantGuard{ctx: ctx, src: bufio.NewReaderSize(src, 64<<10), check: check}
}

// Err is why the guard ended the stream early, or nil: a *ProtocolError
// for the client's fault, anything else for the server's or the
// connection's.
func (g *wantGuard) Err() error { return g.err }

func (g *wantGuard) Read(p []byte) (int, error) {
	for g.ready.Len() == 0 {
		if g.err != nil {
			return 0, g.err
		}
		if err := g.next(); err != nil {
			if errors.Is(err, io.EOF) {
				if g.held.Len() > 0 {
					// A section that never ended: git would wait for
					// its end, and the client is gone.
					g.err = protocolErrorf("malformed request: it ends before its wants are done")
					return 0, g.err
				}
				return 0, io.EOF
			}
			g.err = err
			return 0, err
		}
	}
	return g.ready.Read(p)
}

// next reads one packet and moves what may now be passed to ready.
func (g *wantGuard) next() error {
	if g.afterFlush && len(g.wants) == 0 {
		// A few stray bytes after the end of a request (a newline a
		// script added) are git's to ignore, as it always has.
		if b, err := g.src.Peek(4); len(b) > 0 && len(b) < 4 && errors.Is(err, io.EOF) {
			g.ready.Write(b)
			g.src.Discard(len(b))
			return nil
		}
	}
	var pk pkt
	var err error
	pk, g.buf, err = readPkt(g.src, g.buf)
	if err != nil {
		return err
	}
	g.afterFlush = pk.special && pk.len == pktFlush
	end := pk.special
	if !pk.special {
		line := bytes.TrimSuffix(pk.data, []byte("\n"))
		switch {
		case bytes.HasPrefix(line, []byte("want ")):
			oid := line[len("want "):]
			if i := bytes.IndexByte(oid, ' '); i >= 0 {
				oid = oid[:i] // protocol v0's capabilities follow the first want
			}
			if !validOID(oid) {
				return protocolErrorf("malformed request: %q is not an object id", printableASCII(string(oid)))
			}
			g.wants = append(g.wants, string(oid))
		case bytes.HasPrefix(line, []byte("command=")):
			switch cmd := string(line[len("command="):]); cmd {
			case "ls-refs", "fetch":
			default:
				return protocolErrorf("command %q is not served here; only ls-refs and fetch are", printableASCII(cmd))
			}
		case bytes.Equal(line, []byte("done")):
			end = true
		}
	}
	if len(g.wants) == 0 {
		g.ready.Write(pk.raw)
		return nil
	}
	if g.held.Len()+len(pk.raw) > maxHeldRequest {
		return protocolErrorf("request too large: more than %s of wants", byteSize(maxHeldRequest))
	}
	g.held.Write(pk.raw)
	if !end {
		return nil
	}
	if err := g.check(g.ctx, g.wants); err != nil {
		return err
	}
	g.wants = g.wants[:0]
	g.ready.Write(g.held.Bytes())
	g.held.Reset()
	return nil
}

// validOID reports whether b is a full SHA-1 or SHA-256 object id in lower
// case hex, the only spelling git sends.
func validOID(b []byte) bool {
	if len(b) != 40 && len(b) != 64 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// frameGuard passes a receive-pack request on once its first section (the
// ref update commands, up to the first flush) is well-formed pkt-lines;
// what follows (push options, the pack) is passed as it is, for git to
// check. It turns the most common malformed requests into the client's
// error instead of git's failure.
type frameGuard struct {
	src   *bufio.Reader
	buf   []byte
	ready bytes.Buffer
	done  bool
	err   error
}

func newFrameGuard(src io.Reader) *frameGuard {
	return &frameGuard{src: bufio.NewReaderSize(src, 64<<10)}
}

// Err is why the guard ended the stream early, or nil.
func (g *frameGuard) Err() error { return g.err }

func (g *frameGuard) Read(p []byte) (int, error) {
	for !g.done && g.ready.Len() == 0 {
		if g.err != nil {
			return 0, g.err
		}
		var pk pkt
		var err error
		pk, g.buf, err = readPkt(g.src, g.buf)
		if errors.Is(err, io.EOF) {
			return 0, io.EOF
		}
		if err != nil {
			g.err = err
			return 0, err
		}
		g.ready.Write(pk.raw)
		g.done = pk.special && pk.len == pktFlush
	}
	if g.ready.Len() > 0 {
		return g.ready.Read(p)
	}
	return g.src.Read(p)
}
