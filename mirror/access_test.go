package mirror

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

const testHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

func TestSSHAccessFilesArePrivateAndGo(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), "it's here") // a quote and a space in the path
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	m := &Mirrors{tmp: tmp}
	secret := []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nnot really\n-----END OPENSSH PRIVATE KEY-----\n")
	a, err := m.access(service.FetchJob{Name: "mirrors/x", Upstream: "ssh://git@example.com:2222/x.git", HostKeys: testHostKey,
		Credential: &service.FetchCredential{Name: "deploy", Kind: auth.CredentialSSHKey, Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(a.dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private directory mode %v, %v", fi.Mode(), err)
	}
	key := filepath.Join(a.dir, "key")
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	kh, err := os.ReadFile(a.knownHosts)
	if err != nil || string(kh) != "[example.com]:2222 "+testHostKey+"\n" {
		t.Fatalf("known_hosts %q, %v", kh, err)
	}
	if a.url != "ssh://git@example.com:2222/x.git" || len(a.env) != 2 {
		t.Fatalf("url %q env %q", a.url, a.env)
	}
	cmd := a.env[0]
	for _, want := range []string{"StrictHostKeyChecking=yes", "GlobalKnownHostsFile=/dev/null", "-F /dev/null", "IdentitiesOnly=yes", "BatchMode=yes",
		`-i '` + strings.ReplaceAll(key, "'", `'\''`) + `'`} {
		if !strings.Contains(cmd, want) {
			t.Errorf("GIT_SSH_COMMAND lacks %q: %s", want, cmd)
		}
	}
	if strings.Contains(strings.Join(a.env, " "), "not really") {
		t.Fatal("the key is in the environment")
	}
	a.close()
	if _, err := os.Stat(a.dir); !os.IsNotExist(err) {
		t.Fatalf("the private directory outlives the fetch: %v", err)
	}

	// Trust on first use: an empty known_hosts that ssh may add to.
	a, err = m.access(service.FetchJob{Name: "mirrors/x", Upstream: "ssh://git@example.com/x.git", LearnHostKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if !strings.Contains(a.env[0], "StrictHostKeyChecking=accept-new") {
		t.Fatalf("first use: %s", a.env[0])
	}
	os.WriteFile(a.knownHosts, []byte("example.com "+testHostKey+"\n"), 0o600)
	if got, err := a.learnt(); err != nil || got != testHostKey {
		t.Fatalf("learnt %q, %v", got, err)
	}
	// No key and no first use: refused before ssh runs.
	if _, err := m.access(service.FetchJob{Name: "mirrors/x", Upstream: "ssh://git@example.com/x.git"}); err == nil || !strings.Contains(err.Error(), "host key not pinned") {
		t.Fatalf("unpinned: %v", err)
	}
	// A token is no SSH key, and an SSH key no token.
	if _, err := m.access(service.FetchJob{Upstream: "ssh://git@example.com/x.git", HostKeys: testHostKey,
		Credential: &service.FetchCredential{Kind: auth.CredentialToken, Secret: []byte("t")}}); err == nil {
		t.Fatal("a token used for ssh")
	}
	if _, err := m.access(service.FetchJob{Upstream: "https://example.com/x.git",
		Credential: &service.FetchCredential{Kind: auth.CredentialSSHKey, Secret: secret}}); err == nil {
		t.Fatal("an SSH key used for https")
	}
}

func TestTokenAccessIsAnHeaderForTheHostOnly(t *testing.T) {
	m := &Mirrors{tmp: t.TempDir()}
	a, err := m.access(service.FetchJob{Upstream: "https://git.example.com/acme/x.git",
		Credential: &service.FetchCredential{Kind: auth.CredentialToken, Username: "bot", Secret: []byte("s3cret")}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.https://git.example.com/.extraHeader", "GIT_CONFIG_VALUE_0=Authorization: Basic Ym90OnMzY3JldA=="}
	if a.url != "https://git.example.com/acme/x.git" || strings.Join(a.env, "\n") != strings.Join(want, "\n") || a.dir != "" {
		t.Fatalf("url %q env %q dir %q", a.url, a.env, a.dir)
	}
}
