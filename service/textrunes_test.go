package service

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jitgit/jitgit/auth"
)

// TestCleanTextRefusesTerminalControls: free text with what acts on a
// terminal or reorders text is refused with the character named; ordinary
// text in any script passes.
func TestCleanTextRefusesTerminalControls(t *testing.T) {
	for _, bad := range []string{"\u009b31mred", "a\u0085b", "line\u2028two", "para\u2029x", "\u202eevil", "x\u202a", "\u2066isolate\u2069",
		"\x1b[2J", "nul\x00", "del\x7f", "bad\xffutf8"} {
		if _, err := cleanText("reason", "ok "+bad, false, 1000); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "U+") {
			t.Errorf("%q accepted or unnamed: %v", bad, err)
		}
	}
	for _, good := range []string{"deploy fix\n\tsee ticket", "Überprüfung", "修复部署", "إصلاح", "emoji 🚀"} {
		if got, err := cleanText("reason", good, false, 1000); err != nil || got != good {
			t.Errorf("%q refused: %q %v", good, got, err)
		}
	}
}

// FuzzCleanText: whatever cleanText accepts is valid UTF-8, within the
// limit, trimmed, and holds no rune badTextRune refuses.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"ok", "\u009b", "a\u202eb", " x\n", "\xff", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := cleanText("reason", s, false, 100)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || len(got) > 100 || strings.TrimSpace(got) != got {
			t.Fatalf("accepted %q as %q", s, got)
		}
		for _, r := range got {
			if badTextRune(r) != "" {
				t.Fatalf("accepted %q with U+%04X", s, r)
			}
		}
	})
}
