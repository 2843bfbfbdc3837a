package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// gitIn runs git in dir with a fixed identity and returns its output.
func gitIn(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com", "GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return strings.TrimSpace(out.String())
}

// codeFixture fills the bare repository of name under the stack's root:
// 35 commits on main, a tag, a directory, a binary file, a file too large
// to show, and a file with markup in it.
func codeFixture(t testing.TB, s *stack, name string) {
	t.Helper()
	bare := filepath.Join(s.h.opts.RepoRoot, name+".git")
	gitIn(t, bare, "init", "--bare", "-q", "-b", "main")
	work := t.TempDir()
	gitIn(t, work, "init", "-q", "-b", "main")
	write := func(p string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(work, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", []byte("# Payments\n<script>alert(1)</script>\n"))
	write("src/pay.go", []byte("package pay\n\nfunc Pay() {}\n"))
	write("logo.png", append([]byte("\x89PNG\r\n\x1a\n\x00\x00"), bytes.Repeat([]byte{0, 1, 2}, 100)...))
	write("big.txt", bytes.Repeat([]byte("0123456789abcdef\n"), 300_000)) // 5 MiB
	gitIn(t, work, "add", ".")
	gitIn(t, work, "commit", "-q", "-m", "First commit")
	gitIn(t, work, "tag", "-a", "v1.0", "-m", "release")
	for i := range 34 {
		write("src/pay.go", fmt.Appendf(nil, "package pay\n\n// Pay pays, version %d.\nfunc Pay() {}\n", i))
		gitIn(t, work, "commit", "-q", "-am", fmt.Sprintf("Change %d", i))
	}
	gitIn(t, work, "push", "-q", bare, "main", "v1.0")
}

func TestCodeBrowserViews(t *testing.T) {
	clock := &servicetest.Clock{}
	clock.Set(time.Now().UTC())
	s := newStack(t, Options{Now: clock.Now})
	s.user("alice", false, false)
	s.user("eve", false, false)
	s.repo("acme/payments")
	codeFixture(t, s, "acme/payments")
	ctx := context.Background()
	if _, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	alice, eve := s.client(), s.client()
	alice.signIn("alice")
	eve.signIn("eve")

	views := map[string][]string{
		"/repos/acme/payments/tree":                                {`href="/repos/acme/payments/tree?path=src">src/</a>`, `>README.md</a>`, "Change 33"},
		"/repos/acme/payments/tree?path=src":                       {`>pay.go</a>`},
		"/repos/acme/payments/blob?path=README.md":                 {"&lt;script&gt;alert(1)&lt;/script&gt;"},
		"/repos/acme/payments/blob?path=logo.png":                  {"binary file"},
		"/repos/acme/payments/blob?path=big.txt":                   {"too large to show"},
		"/repos/acme/payments/blob?ref=v1.0&path=src/pay.go":       {"func Pay() {}", "First commit"},
		"/repos/acme/payments/refs":                                {`>main</a> <span class="badge">default</span>`, `>v1.0</a>`},
		"/repos/acme/payments/commits":                             {"Change 33", "Older commits"},
		"/repos/acme/payments/commits?ref=v1.0":                    {"First commit"},
		"/repos/acme/payments/tree?ref=v1.0&path=src&path=ignored": {`>pay.go</a>`},
	}
	for path, wants := range views {
		res, body := alice.get(path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, res.StatusCode)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q:\n%s", path, w, body)
			}
		}
	}
	// The log pages: 30 then the other 5.
	_, body := alice.get("/repos/acme/payments/commits")
	if n := strings.Count(body, `<li class="card">`); n != 30 {
		t.Errorf("first log page has %d commits", n)
	}
	next := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no older commits link")
	}
	_, body = alice.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(body, `<li class="card">`); n != 5 || !strings.Contains(body, "First commit") {
		t.Errorf("second log page has %d commits:\n%s", n, body)
	}
	// One commit's diff.
	all := regexp.MustCompile(`/repos/acme/payments/commit/([0-9a-f]{40})`).FindAllStringSubmatch(body, -1)
	first := all[len(all)-1][1]
	_, top := alice.get("/repos/acme/payments/commits")
	last := regexp.MustCompile(`/repos/acme/payments/commit/([0-9a-f]{40})`).FindStringSubmatch(top)
	_, body = alice.get("/repos/acme/payments/commit/" + last[1])
	for _, w := range []string{`<span class="l del">-// Pay pays, version 32.</span>`, `<span class="l add">&#43;// Pay pays, version 33.</span>`, "Change 33"} {
		if !strings.Contains(body, w) {
			t.Errorf("diff lacks %q:\n%s", w, body)
		}
	}
	// The first commit adds a file too large for a line diff.
	_, body = alice.get("/repos/acme/payments/commit/" + first)
	for _, w := range []string{"First commit", "too large to show", "Binary file; no line diff.", "4 files changed", `<span class="l add">&#43;# Payments</span>`} {
		if !strings.Contains(body, w) {
			t.Errorf("the first commit lacks %q:\n%s", w, body)
		}
	}

	// Without a grant, and for what does not exist, the same not found.
	_, missing := eve.get("/repos/acme/nothing/tree")
	for _, path := range []string{"/repos/acme/payments/tree", "/repos/acme/payments/blob?path=README.md", "/repos/acme/payments/commits",
		"/repos/acme/payments/commit/" + last[1], "/repos/acme/payments/refs", "/repos/acme/nothing/tree"} {
		res, body := eve.get(path)
		if res.StatusCode != http.StatusNotFound || body != missing {
			t.Errorf("eve %s: %d\n%s", path, res.StatusCode, body)
		}
	}
	_, aliceMissing := alice.get("/repos/acme/nothing/tree")
	for _, path := range []string{"/repos/acme/payments/blob?path=nope", "/repos/acme/payments/tree?ref=nope", "/repos/acme/payments/tree?path=../x",
		"/repos/acme/payments/commit/" + strings.Repeat("0", 40), "/repos/acme/payments/tree?ref=main~3"} {
		if res, body := alice.get(path); res.StatusCode != http.StatusNotFound || body != aliceMissing {
			t.Errorf("alice %s: %d", path, res.StatusCode)
		}
	}
	// Each view is decided and on the record, with transport web.
	evs, err := s.svc.Events(ctx, overseer, service.EventFilter{Action: "access.read", User: "eve"})
	if err != nil || len(evs) < 6 || evs[0].Transport != "web" || evs[0].Result != "deny" {
		t.Fatalf("eve's views on the record: %v %+v", err, evs)
	}

	// The moment the grant ends, alice is refused too.
	clock.Advance(time.Hour)
	if res, body := alice.get("/repos/acme/payments/tree"); res.StatusCode != http.StatusNotFound || body != aliceMissing {
		t.Errorf("after the grant ended: %d", res.StatusCode)
	}
}
