package audit

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape returns s fit for a terminal or a page: every rune that is not
// printable (C0 and C1 controls, DEL, line and paragraph separators, bidi
// overrides and isolates, other format characters, invalid UTF-8, and
// newline and tab too) is written as a Go escape such as \u202e or \x9b,
// and a backslash as \\, so what is shown is unambiguous and cannot move
// the cursor, recolour the terminal or reorder the text around it. Plain
// text comes back unchanged.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if r == '\\' || r == utf8.RuneError || !strconv.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, w := 0, 0; i < len(s); i += w {
		r, n := utf8.DecodeRuneInString(s[i:])
		w = n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case r == '\\':
			b.WriteString(`\\`)
		case strconv.IsPrint(r) && r != utf8.RuneError:
			b.WriteRune(r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}
