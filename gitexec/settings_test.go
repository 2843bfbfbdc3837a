package gitexec

import (
	"strings"
	"testing"
)

// TestSharedStorageSettingsReachGit: real git takes every setting (a value
// this git does not know would make it refuse to run) and sees them.
func TestSharedStorageSettingsReachGit(t *testing.T) {
	realGit(t)
	l := newLauncher(t, Config{Settings: SharedStorageSettings})
	dir := t.TempDir()
	if _, err := l.Output(t.Context(), Cmd{Dir: dir, Command: "init", Options: []string{"--bare", "-q"}}); err != nil {
		t.Fatal(err)
	}
	for _, kv := range SharedStorageSettings {
		k, want, _ := strings.Cut(kv, "=")
		out, err := l.Output(t.Context(), Cmd{Dir: dir, Command: "config", Options: []string{"--get"}, Operands: []string{k}, NoDashDash: true})
		if err != nil {
			t.Fatalf("git config --get %s: %v", k, err)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, err := New(Config{HooksDir: t.TempDir(), Settings: []string{"core.hooksPath=/tmp"}}); err == nil {
		t.Fatal("a setting overriding the pinned hooks path was taken")
	}
}
