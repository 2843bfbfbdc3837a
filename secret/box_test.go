package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBoxSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	b, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", fi.Mode(), err)
	}
	plain := []byte("ghp_s3cret-token")
	sealed := b.Seal(plain, "bot")
	if bytes.Contains(sealed, plain) {
		t.Fatal("the sealed value contains the secret")
	}
	if again := b.Seal(plain, "bot"); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one secret are equal: the nonce repeats")
	}
	got, err := b.Open(sealed, "bot")
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := b.Open(sealed, "other"); err == nil {
		t.Fatal("opened under another record's name")
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if _, err := b.Open(bad, "bot"); err == nil {
		t.Fatal("opened an altered value")
	}

	// The same file gives the same key; another file another key.
	b2, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b2.Open(sealed, "bot"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("reloaded key: Open = %q, %v", got, err)
	}
	b3, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b3.Open(sealed, "bot"); err == nil {
		t.Fatal("opened with another key")
	}
}

func TestLoadKeyRefusesOpenModeAndJunk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	if _, err := LoadOrCreateKey(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key file: %v", err)
	}
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(junk); err == nil || !strings.Contains(err.Error(), "not a jitgit key file") {
		t.Fatalf("a file that is no key: %v", err)
	}
}
