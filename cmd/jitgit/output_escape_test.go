package main

import (
	"strings"
	"testing"
)

// TestTableEscapesUnprintable: what a user typed reaches the terminal of
// `audit list`, `grant list` and the other tables escaped, never as a
// control sequence or a bidi override.
func TestTableEscapesUnprintable(t *testing.T) {
	var b strings.Builder
	if err := table(&b, [][]string{{"DETAIL"}, {"evil\u202etxt.exe \u009b2J \x1b[31m"}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\u202e\u009b\x1b") || !strings.Contains(out, `evil\u202etxt.exe \u009b2J \x1b[31m`) {
		t.Fatalf("table printed %q", out)
	}
}
