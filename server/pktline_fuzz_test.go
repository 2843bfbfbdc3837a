package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

// FuzzWantGuard feeds arbitrary requests through the want guard: it never
// panics, passes on only whole well-formed packets, refuses with a
// *ProtocolError (never another error) whatever the client sent, and
// passes a request with no wants unchanged.
func FuzzWantGuard(f *testing.F) {
	for _, s := range []string{
		"ffff", "0004", "zzzz", "0003", "00", "0009want", "0000",
		"0032want 0123456789abcdef0123456789abcdef01234567\n0000",
		"0014command=ls-refs\n0000",
		"0012command=fetch\n00010032want 0123456789abcdef0123456789abcdef01234567\n0009done\n0000",
		"0018command=object-info0000",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var checked int
		check := func(_ context.Context, wants []string) error {
			checked += len(wants)
			for _, w := range wants {
				if !validOID([]byte(w)) {
					t.Fatalf("checker got %q", w)
				}
			}
			return nil
		}
		g := newWantGuard(context.Background(), bytes.NewReader(in), check)
		out, err := io.ReadAll(g)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ProtocolError", err)
			}
		}
		if !bytes.HasPrefix(in, out) {
			t.Fatalf("passed %q, not a prefix of %q", out, in)
		}
		if err == nil && !bytes.Equal(out, in) {
			t.Fatalf("passed %q of %q without an error", out, in)
		}
	})
}

func TestReadPkt(t *testing.T) {
	for in, want := range map[string]string{
		"ffff":     "above the limit",
		"zzzz":     "not four hex digits",
		"0004":     "empty packet",
		"0003":     "not a packet",
		"00":       "inside a length prefix",
		"0032want": "inside a packet",
	} {
		g := newWantGuard(context.Background(), bytes.NewReader([]byte(in)), nil)
		_, err := io.ReadAll(g)
		var pe *ProtocolError
		if !errors.As(err, &pe) || !bytes.Contains([]byte(pe.Msg), []byte(want)) {
			t.Errorf("%q: error %v, want one saying %q", in, err, want)
		}
	}
	g := newWantGuard(context.Background(), bytes.NewReader([]byte("0018command=object-info\n0000")), nil)
	if _, err := io.ReadAll(g); err == nil {
		t.Error("command=object-info passed the guard")
	}
}

// TestWantGuardHolds checks that a section with wants reaches git only
// after the checker allowed it, and not at all when it refused.
func TestWantGuardHolds(t *testing.T) {
	oid := "0123456789abcdef0123456789abcdef01234567"
	req := "0012command=fetch\n0001" + string(pktLine("want "+oid+"\n")) + "0009done\n0000"
	refuse := func(context.Context, []string) error { return notOurRef(oid) }
	out, err := io.ReadAll(newWantGuard(context.Background(), bytes.NewReader([]byte(req)), refuse))
	if !errors.As(err, new(*ProtocolError)) || string(out) != "0012command=fetch\n0001" {
		t.Errorf("refused: passed %q, error %v", out, err)
	}
	var got []string
	allow := func(_ context.Context, w []string) error { got = append(got, w...); return nil }
	out, err = io.ReadAll(newWantGuard(context.Background(), bytes.NewReader([]byte(req)), allow))
	if err != nil || string(out) != req || len(got) != 1 || got[0] != oid {
		t.Errorf("allowed: passed %q, error %v, checked %q", out, err, got)
	}
}
