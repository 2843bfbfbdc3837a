package server

import (
	"errors"
	"net/http"
	"strings"
)

// refuseRequest answers a request that was the client's fault: 400 with
// the reason, or, for a want of an unreachable object, git's own ERR packet
// in a 200, which every client prints as "remote error: ...". Once git's
// answer has begun nothing can be added to it.
func (h *HTTP) refuseRequest(w http.ResponseWriter, out *gitOutput, err error, attrs []any) {
	var pe *ProtocolError
	errors.As(err, &pe)
	h.log.Info("git http: request refused", append(attrs, "err", pe.Msg)...)
	if out.started {
		return
	}
	if pe.NotOurRef {
		out.Write(pktLine("ERR " + pe.Msg + "\n"))
		return
	}
	text(w, http.StatusBadRequest, pe.Msg+"\n")
}

// lastLine is the last non-empty line of git's stderr, without git's
// "fatal: " prefix.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	line := strings.TrimSpace(lines[len(lines)-1])
	return printableASCII(strings.TrimPrefix(line, "fatal: "))
}
