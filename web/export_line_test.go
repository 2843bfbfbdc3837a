package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
)

// exportSample is an event like most of a trail: a decision with a
// detail.
func exportSample() api.Event {
	return api.Event{Seq: 123456, Time: time.Date(2026, 3, 4, 5, 6, 7, 891011000, time.UTC), Actor: "alice", Remote: "10.1.2.3",
		Transport: "ssh", Action: "access.read", Repo: "acme/payments", Target: "user:alice", Result: "allow",
		Grant: "g_0123456789abcdef", Detail: "grant g_0123456789abcdef until 2026-03-04T07:06:07Z",
		Prev: strings.Repeat("ab", 32), Hash: strings.Repeat("cd", 32), HashVersion: 2}
}

// jsonLine is what an Encoder with HTML escaping off writes for e.
func jsonLine(t testing.TB, e api.Event) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEventLineIsJSON: the hand-made export line is byte for byte what
// encoding/json writes, for plain events, empty fields, a zero and a
// non-UTC time, and strings that need escaping.
func TestEventLineIsJSON(t *testing.T) {
	odd := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r", "\x00\x01\x1f\x7f", "<b>&amp;</b>",
		"ünïcødé ✓", "line\u2028sep\u2029", "bad \xff\xfe utf8", `\u003c`, "😀 emoji", "\\u0026"}
	events := []api.Event{exportSample(), {}, {Seq: 1, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), Actor: "system", Action: "config.reload", Result: "ok"}}
	for _, s := range odd {
		e := exportSample()
		e.Actor, e.Detail, e.Target, e.Repo, e.Hash = s, s, s, s, s
		events = append(events, e)
	}
	for _, e := range events {
		if got, want := appendEventLine(nil, e), jsonLine(t, e); !bytes.Equal(got, want) {
			t.Errorf("event line\n got %s\nwant %s", got, want)
		}
	}
}

// BenchmarkExportLine compares the export's line encoder with
// encoding/json's (go test ./web -run X -bench ExportLine).
func BenchmarkExportLine(b *testing.B) {
	e := exportSample()
	b.Run("encoding-json", func(b *testing.B) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			_ = enc.Encode(e)
		}
	})
	b.Run("append", func(b *testing.B) {
		var line []byte
		b.ReportAllocs()
		for b.Loop() {
			line = appendEventLine(line[:0], e)
		}
	})
}
