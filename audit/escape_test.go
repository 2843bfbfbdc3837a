package audit_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jitgit/jitgit/audit"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, Ünïcode 修复 🚀": "plain text, Ünïcode 修复 🚀",
		"\u009b31m":                `\u009b31m`,
		"\x1b[2J":                  `\x1b[2J`,
		"a\u202eb\u2066c":          `a\u202eb\u2066c`,
		"line\u2028two\nthree\t":   `line\u2028two\nthree\t`,
		"bad\xff":                  `bad\xff`,
		`back\slash`:               `back\\slash`,
	} {
		if got := audit.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEscape: what Escape returns is valid UTF-8 of printable runes only.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a", "\u009b", "\xff\xfe", "\u202e", `\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := audit.Escape(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Escape(%q) = %q: invalid UTF-8", s, got)
		}
		for _, r := range got {
			if !strconv.IsPrint(r) {
				t.Fatalf("Escape(%q) = %q: holds U+%04X", s, got, r)
			}
		}
		if !strings.ContainsAny(s, "\\") && utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0 && got != s {
			t.Fatalf("printable %q changed to %q", s, got)
		}
	})
}
