package service

// badTextRune says why r may not be in free text, or "" when it may. Newline
// and tab are allowed; C0 and C1 controls (a C1 CSI, U+009B, starts a
// terminal escape like ESC [ does), DEL, the line and paragraph separators
// (which end a line in some readers and not in others) and the bidi
// embeddings, overrides and isolates (which show text in another order than
// it is stored) are not, nor U+FFFD, which stands for invalid UTF-8.
func badTextRune(r rune) string {
	switch {
	case r == '\n' || r == '\t':
		return ""
	case r < 0x20 || r == 0x7f:
		return "a control character"
	case r >= 0x80 && r <= 0x9f:
		return "a C1 control character"
	case r == 0x2028 || r == 0x2029:
		return "a line or paragraph separator"
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return "a bidirectional override"
	case r == 0xfffd:
		return "invalid UTF-8"
	}
	return ""
}
