package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestMirrorOfAnHTTPSUpstreamWithAToken mirrors a private repository of a
// second jitgit serving HTTPS with its own certificate authority: the
// mirror authenticates with a token credential and checks the upstream
// against mirrors.ca_file; the token is in neither instance's trail.
func TestMirrorOfAnHTTPSUpstreamWithAToken(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t, t.TempDir())
	up := startServer(t, fmt.Sprintf("tls_cert = %q\ntls_key = %q\n", cert, key))
	upURL := strings.Replace(up.url, "http://", "https://", 1)
	work := t.TempDir()
	up.run(work, false, "", "jitgit", "repo", "create", "acme/infra")
	up.run(work, false, "", "jitgit", "user", "add", "alice")
	alice, _ := up.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	up.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/infra", "--access", "write", "--for", "1h", "--reason", "seed")
	up.run(work, false, "", "jitgit", "user", "add", "mirror-bot")
	bot, _ := up.run(work, false, "", "jitgit", "user", "token", "create", "mirror-bot")
	up.run(work, false, "", "jitgit", "grant", "add", "--user", "mirror-bot", "--repo", "acme/infra", "--access", "read", "--for", "1h", "--reason", "mirror")
	up.env = append(up.env, "GIT_SSL_CAINFO="+cert)
	src := filepath.Join(work, "src")
	up.run(work, false, "", "git", "init", "--quiet", "--initial-branch=main", src)
	up.run(src, false, "", "git", "commit", "--quiet", "--allow-empty", "-m", "infra upstream commit")
	up.run(src, false, "", "git", "push", "--quiet", strings.Replace(upURL, "https://", "https://alice:"+alice+"@", 1)+"/acme/infra.git", "main")

	down := startServer(t, fmt.Sprintf("[mirrors]\nca_file = %q\n", cert))
	down.run(work, false, bot+"\n", "jitgit", "credential", "add", "infra-bot", "--token-stdin", "--username", "mirror-bot")
	down.run(work, false, "", "jitgit", "repo", "create", "mirrors/infra", "--mirror", upURL+"/acme/infra.git", "--credential", "infra-bot")
	log, _ := down.run(work, false, "", "git", "--git-dir", filepath.Join(down.data, "repos", "mirrors", "infra.git"), "log", "--format=%s", "main")
	if log != "infra upstream commit" {
		t.Fatalf("mirrored log %q", log)
	}
	list, _ := down.run(work, false, "", "jitgit", "repo", "list")
	if !strings.Contains(list, "infra-bot") || strings.Contains(list, bot) {
		t.Fatalf("repo list:\n%s", list)
	}
	// Upstream's own trail saw the bot fetch; neither trail holds the token.
	for _, s := range []*server{up, down} {
		trail, _ := s.run(work, false, "", "jitgit", "audit", "list", "--json")
		if strings.Contains(trail, bot) || strings.Contains(trail, alice) {
			t.Fatalf("a token is in the audit trail of %s", s.url)
		}
	}
	trail, _ := up.run(work, false, "", "jitgit", "audit", "list", "--user", "mirror-bot")
	if !strings.Contains(trail, "acme/infra") {
		t.Fatalf("the upstream did not see the bot:\n%s", trail)
	}
	// A server without the CA refuses the same upstream: the certificate is
	// checked.
	strict := startServer(t, "")
	strict.run(work, false, bot+"\n", "jitgit", "credential", "add", "infra-bot", "--token-stdin", "--username", "mirror-bot")
	_, stderr := strict.run(work, false, "", "jitgit", "repo", "create", "mirrors/infra", "--mirror", upURL+"/acme/infra.git", "--credential", "infra-bot")
	if !strings.Contains(stderr, "first fetch failed") || !strings.Contains(stderr, "certificate") || strings.Contains(stderr, bot) {
		t.Fatalf("an upstream with an unknown certificate authority: %s", stderr)
	}
}
