package mirror

import (
	"strings"
	"testing"
)

func TestRefSummary(t *testing.T) {
	out := "From https://example.com/up\n" +
		"   1234567..89abcde  main       -> main\n" +
		" + 1234567...89abcde hotfix     -> hotfix  (forced update)\n" +
		" * [new branch]      feature    -> feature\n" +
		" * [new tag]         v2         -> v2\n" +
		" t [tag update]      v1         -> v1\n" +
		" - [deleted]         (none)     -> old\n" +
		" ! [rejected]        x          -> x  (would clobber existing tag)\n" +
		"warning: redirecting to https://example.com/up.git/\n" +
		" = [up to date]      stable     -> stable\n" +
		strings.Repeat("x", 5000) + " -> y\n"
	var s refSummary
	// Written in pieces that split lines, as a pipe may.
	for i := 0; i < len(out); i += 7 {
		s.Write([]byte(out[i:min(i+7, len(out))]))
	}
	if s.updated != 6 || s.rewritten != 1 || !s.branches {
		t.Fatalf("updated %d, rewritten %d, branches %v; want 6, 1, true", s.updated, s.rewritten, s.branches)
	}
	var moved refSummary
	moved.Write([]byte("   1234567..89abcde  main       -> main\n * [new tag]  v3 -> v3\n"))
	if moved.updated != 2 || moved.branches {
		t.Fatalf("a moved branch and a new tag: %+v", moved)
	}
}
