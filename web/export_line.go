package web

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/jitgit/jitgit/api"
)

// appendEventLine appends e as one line of an export: the bytes
// encoding/json writes for api.Event with HTML escaping off, and a
// newline. An export writes a million of these; building them by hand
// instead of by reflection is what keeps it within its time budget
// (BenchmarkExportLine), and TestEventLineIsJSON holds the two equal.
func appendEventLine(b []byte, e api.Event) []byte {
	b = strconv.AppendUint(append(b, `{"seq":`...), e.Seq, 10)
	b = append(b, `,"time":"`...)
	b = e.Time.AppendFormat(b, time.RFC3339Nano)
	b = appendField(append(b, `","actor":`...), e.Actor)
	b = appendOmitEmpty(b, `,"remote":`, e.Remote)
	b = appendOmitEmpty(b, `,"transport":`, e.Transport)
	b = appendField(append(b, `,"action":`...), e.Action)
	b = appendOmitEmpty(b, `,"repo":`, e.Repo)
	b = appendOmitEmpty(b, `,"target":`, e.Target)
	b = appendField(append(b, `,"result":`...), e.Result)
	b = appendOmitEmpty(b, `,"grant":`, e.Grant)
	b = appendOmitEmpty(b, `,"policy":`, e.Policy)
	b = appendOmitEmpty(b, `,"request":`, e.Request)
	b = appendOmitEmpty(b, `,"detail":`, e.Detail)
	b = appendField(append(b, `,"prev":`...), e.Prev)
	b = appendField(append(b, `,"hash":`...), e.Hash)
	if e.HashVersion != 0 {
		b = strconv.AppendUint(append(b, `,"hash_version":`...), uint64(e.HashVersion), 10)
	}
	return append(b, "}\n"...)
}

func appendOmitEmpty(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendField(append(b, key...), s)
}

// appendField appends s as a JSON string. Printable ASCII other than the
// quote and the backslash goes as it is; anything else (rare in an audit
// trail) takes encoding/json's escaping, so the bytes stay the same.
func appendField(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always encodes
			return appendUnescapedHTML(b, q)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendUnescapedHTML appends JSON q with json.Marshal's HTML escapes of
// <, > and & undone, as an Encoder with SetEscapeHTML(false) writes it.
func appendUnescapedHTML(b, q []byte) []byte {
	for i := 0; i < len(q); i++ {
		if q[i] == '\\' && i+5 < len(q) && q[i+1] == 'u' && q[i+2] == '0' && q[i+3] == '0' {
			switch string(q[i+4 : i+6]) {
			case "3c":
				b, i = append(b, '<'), i+5
				continue
			case "3e":
				b, i = append(b, '>'), i+5
				continue
			case "26":
				b, i = append(b, '&'), i+5
				continue
			}
		}
		if q[i] == '\\' && i+1 < len(q) {
			// Any other escape, \\ included, goes as it is.
			b, i = append(b, q[i], q[i+1]), i+1
			continue
		}
		b = append(b, q[i])
	}
	return b
}
