package server

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestResolveRepoAccepts(t *testing.T) {
	for raw, want := range map[string]string{
		"acme/payments":                    "acme/payments",
		"acme/payments.git":                "acme/payments",
		"/acme/payments.git":               "acme/payments",
		"acme/pay_ments.v2":                "acme/pay_ments.v2",
		"acme/pay%2Dments":                 "acme/pay-ments", // one decode is fine
		"a1/b":                             "a1/b",
		"acme/payments%2egit":              "acme/payments",
		"0wner-x/r.e-p_o.git":              "0wner-x/r.e-p_o",
		"acme/" + strings.Repeat("x", 100): "acme/" + strings.Repeat("x", 100),
	} {
		got, err := ResolveRepo(raw)
		if err != nil || got != want {
			t.Errorf("ResolveRepo(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

func TestResolveRepoRejects(t *testing.T) {
	for _, raw := range []string{
		"",
		"acme",
		"/",
		"acme/",
		"/acme",
		"acme//payments",
		"//acme/payments", // leading '/' duplicated
		"///acme/payments",
		"/srv/git/acme/payments.git", // absolute path
		"acme/../payments",
		"../acme/payments",
		"acme/..",
		"acme/./payments",
		"./acme/payments",
		"acme/%2e%2e", // ".." encoded once
		"acme/%2E%2E/x",
		"acme%2fpayments", // encoded '/'
		"acme%2Fpayments",
		"acme/pay%5cments",  // encoded '\'
		"acme%252fpayments", // double encoding
		"acme/%252e%252e",
		"acme/pay%25ments",
		"acme/pay%ments", // malformed encoding
		"acme/pay%zzments",
		"acme/pay\x00ments", // NUL
		"acme/pay%00ments",
		"acme/pay\nments", // control bytes
		"acme/pay%0aments",
		"acme/pay%7fments",
		"acme\\payments", // backslash
		"acme/..\\x",
		"-acme/payments", // leading '-'
		"acme/-payments",
		"acme/--upload-pack=x",
		"/-acme/x",
		"Acme/payments", // upper case
		"acme/Payments.git",
		"acme/payments.git.git", // doubled .git
		"acme/payments.GIT",
		"acme/payments/x", // extra segments
		"acme/payments.git/",
		"acme/.hidden",
		"acme/pay ments",
		"acme/pay:ments",
		"c:/acme/x",
		"acme/p\u00e4yments",
		"acme/" + strings.Repeat("x", 101),
		strings.Repeat("%41", 200),
	} {
		if got, err := ResolveRepo(raw); err == nil {
			t.Errorf("ResolveRepo(%q) = %q, want an error", raw, got)
		} else if !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("ResolveRepo(%q): error %v does not wrap auth.ErrInvalid", raw, err)
		}
	}
}

func TestReposPath(t *testing.T) {
	root := t.TempDir()
	r := &Repos{Root: root}
	p, err := r.Path("acme/payments")
	if err != nil || p != filepath.Join(root, "acme", "payments.git") {
		t.Fatalf("Path = %q, %v", p, err)
	}
	for _, name := range []string{"acme/payments.git", "../x", "acme/..", "Acme/x", "acme", "/acme/x", ""} {
		if p, err := r.Path(name); err == nil {
			t.Errorf("Path(%q) = %q, want an error", name, p)
		}
	}
	if _, err := (&Repos{}).Path("acme/x"); err == nil {
		t.Error("Path with no root: want an error")
	}
}

// FuzzResolveRepo checks that every accepted name is canonical, that
// resolving it again gives the same name, and that its path is inside the
// repository root.
func FuzzResolveRepo(f *testing.F) {
	for _, s := range []string{
		"acme/payments.git", "/acme/x", "acme/%2e%2e", "acme%2fx", "acme/x.git.git",
		"a/b%252e", "../../etc/passwd", "acme/p%00", "-x/y", "a/b%2Egit",
	} {
		f.Add(s)
	}
	root := f.TempDir()
	repos := &Repos{Root: root}
	f.Fuzz(func(t *testing.T, raw string) {
		name, err := ResolveRepo(raw)
		if err != nil {
			return
		}
		if c, err := auth.CanonicalRepo(name); err != nil || c != name {
			t.Fatalf("ResolveRepo(%q) = %q, not canonical (%q, %v)", raw, name, c, err)
		}
		if again, err := ResolveRepo(name); err != nil || again != name {
			t.Fatalf("ResolveRepo(%q) = %q, but again gives %q, %v", raw, name, again, err)
		}
		p, err := repos.Path(name)
		if err != nil {
			t.Fatalf("Path(%q): %v", name, err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) ||
			strings.Count(rel, string(filepath.Separator)) != 1 || !strings.HasSuffix(rel, ".git") {
			t.Fatalf("Path(%q) = %q escapes or is odd under %q (rel %q)", name, p, root, rel)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == "." || seg == ".." || strings.HasPrefix(seg, "-") || strings.HasPrefix(seg, ".") {
				t.Fatalf("ResolveRepo(%q) = %q has a dangerous segment", raw, name)
			}
		}
	})
}
