package server

import (
	"bytes"
	"strings"
	"testing"
)

// TestSidebandNotice: the notice goes in front of the first side-band
// packet and nowhere else, whatever the write boundaries; answers without
// side-band pass unchanged.
func TestSidebandNotice(t *testing.T) {
	const line = "jitgit: grant g_1 ends soon\n"
	notice := string(pktLine("\x02" + line))
	band1 := string(pktLine("\x01PACK\x00\x00\x00\x02")) + string(pktLine("\x01more"))
	band2 := string(pktLine("\x02Enumerating objects: 3, done.\n"))
	cases := []struct {
		name, in, want string
	}{
		{"v2 fetch", string(pktLine("acknowledgments\n")) + string(pktLine("ready\n")) + "0001" + string(pktLine("packfile\n")) + band2 + band1 + "0000",
			string(pktLine("acknowledgments\n")) + string(pktLine("ready\n")) + "0001" + string(pktLine("packfile\n")) + notice + band2 + band1 + "0000"},
		{"v0 side-band", string(pktLine("NAK\n")) + band1 + "0000", string(pktLine("NAK\n")) + notice + band1 + "0000"},
		{"v0 shallow", string(pktLine("shallow 0123456789012345678901234567890123456789\n")) + "0000" + string(pktLine("NAK\n")) + band1,
			string(pktLine("shallow 0123456789012345678901234567890123456789\n")) + "0000" + string(pktLine("NAK\n")) + notice + band1},
		{"v0 no side-band", string(pktLine("NAK\n")) + "PACK\x00\x00\x00\x02\x01\x02\x01\x02", string(pktLine("NAK\n")) + "PACK\x00\x00\x00\x02\x01\x02\x01\x02"},
		{"negotiation only", string(pktLine("ACK 0123456789012345678901234567890123456789 common\n")) + string(pktLine("NAK\n")),
			string(pktLine("ACK 0123456789012345678901234567890123456789 common\n")) + string(pktLine("NAK\n"))},
		{"v2 ls-refs", string(pktLine("0123456789012345678901234567890123456789 refs/heads/main\n")) + "0000",
			string(pktLine("0123456789012345678901234567890123456789 refs/heads/main\n")) + "0000"},
		{"error band", string(pktLine("NAK\n")) + string(pktLine("\x03fatal\n")), string(pktLine("NAK\n")) + string(pktLine("\x03fatal\n"))},
	}
	for _, c := range cases {
		for _, chunk := range []int{1, 2, 3, 5, 7, len(c.in)} {
			var out bytes.Buffer
			s := newSidebandNotice(&out, line)
			for in := c.in; in != ""; {
				k := min(chunk, len(in))
				if n, err := s.Write([]byte(in[:k])); n != k || err != nil {
					t.Fatalf("%s: write %d: %d, %v", c.name, k, n, err)
				}
				in = in[k:]
			}
			if err := s.flush(); err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("%s, chunks of %d:\n got %q\nwant %q", c.name, chunk, out.String(), c.want)
			}
		}
	}
	if long := newSidebandNotice(&bytes.Buffer{}, strings.Repeat("x", 5000)); len(long.notice) > 1000 {
		t.Errorf("a notice of %d bytes does not fit plain side-band", len(long.notice))
	}
}
