package server

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestReposInit(t *testing.T) {
	r := &Repos{Root: t.TempDir()}
	if r.Exists("acme/x") {
		t.Fatal("Exists before Init")
	}
	if err := r.Init(t.Context(), "acme/x"); err != nil {
		t.Fatal(err)
	}
	if !r.Exists("acme/x") {
		t.Fatal("not Exists after Init")
	}
	if err := r.Init(t.Context(), "acme/x"); !errors.Is(err, auth.ErrExists) {
		t.Fatalf("second Init: %v, want ErrExists", err)
	}
	for _, bad := range []string{"acme/x.git", "../x", "Acme/x"} {
		if err := r.Init(t.Context(), bad); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("Init(%q): %v, want ErrInvalid", bad, err)
		}
	}
	p, _ := r.Path("acme/x")
	for key, want := range map[string]string{"core.bare": "true", "receive.fsckObjects": "true", "core.logAllRefUpdates": "true"} {
		out, err := exec.Command("git", "config", "--file", filepath.Join(p, "config"), key).Output()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Errorf("%s = %q, %v; want %q", key, out, err, want)
		}
	}
	if head, err := os.ReadFile(filepath.Join(p, "HEAD")); err != nil || string(head) != "ref: refs/heads/main\n" {
		t.Errorf("HEAD = %q, %v", head, err)
	}
	if _, err := os.Stat(filepath.Join(p, "hooks")); err == nil {
		t.Error("a hooks directory came from a template")
	}

	// A symbolic link in place of a repository does not count.
	if err := os.Symlink(p, filepath.Join(r.Root, "acme", "link.git")); err != nil {
		t.Fatal(err)
	}
	if r.Exists("acme/link") {
		t.Error("a symbolic link counts as a repository")
	}
}
