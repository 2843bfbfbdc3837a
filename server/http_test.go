package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
)

// testServer is the smart HTTP transport on an httptest server, with real
// git, a real hook and the real service over in-memory storage.
type testServer struct {
	t        *testing.T
	srv      *httptest.Server
	auth     *access
	repos    *Repos
	run      *Runner
	home     string // the git client's HOME
	fallback atomic.Int64
	// duringUpload, when set, runs once as the next receive-pack POST
	// starts reading its body: after that request was authorized and
	// before the pre-receive re-check, the moment a grant may end mid-push.
	duringUpload atomic.Pointer[func()]
}

const publicURL = "https://git.example.com"

func newTestServer(t *testing.T, cfg HTTPConfig, git string) *testServer {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("git is missing; under CI these tests must run (apt-get install git)")
		}
		t.Skip("git not installed")
	}
	data := t.TempDir()
	sock := filepath.Join(shortTempDir(t), "hook.sock")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	hooks := filepath.Join(data, "hooks")
	if err := InstallHooks(hooks, []string{"/usr/bin/env", "JITGIT_TEST_AS_HOOK=1", self}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The repositories are always made by real git; git may stand in for
	// the services only.
	s := &testServer{t: t, auth: newAccess(t), home: t.TempDir(),
		repos: &Repos{Root: filepath.Join(data, "repos"), Launcher: newLauncher(t, "", hooks)}}
	pushes := NewPushes(sock)
	if err := pushes.HooksIn(filepath.Join(data, "pushes"), hooks); err != nil {
		t.Fatal(err)
	}
	s.run, err = NewRunner(RunnerConfig{Launcher: newPushLauncher(t, git, hooks, filepath.Join(data, "pushes")), Pushes: pushes}, log)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := ListenHooks(HookServerConfig{Socket: sock, PublicURL: publicURL, Repos: s.repos}, s.auth.Svc, pushes, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- hs.Serve(ctx) }()
	cfg.PublicURL = publicURL
	cfg.Fallback = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fallback.Add(1)
		http.Error(w, "fallback", http.StatusTeapot)
	})
	h := NewHTTP(cfg, s.auth.Svc, s.repos, s.run, log)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack") {
			if f := s.duringUpload.Swap(nil); f != nil {
				r.Body = &firstReadBody{ReadCloser: r.Body, f: *f}
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		s.srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	if err := s.repos.Init(t.Context(), "acme/payments"); err != nil {
		t.Fatal(err)
	}
	return s
}

// testWriter sends log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// firstReadBody calls f before its first Read.
type firstReadBody struct {
	io.ReadCloser
	f    func()
	once sync.Once
}

func (b *firstReadBody) Read(p []byte) (int, error) {
	b.once.Do(b.f)
	return b.ReadCloser.Read(p)
}

// url is the clone URL of repo, signed in as user (with the user's token
// as the password) unless user is empty.
func (s *testServer) url(user, repo string) string {
	u, _ := url.Parse(s.srv.URL + "/" + repo)
	if user != "" {
		u.User = url.UserPassword(user, s.auth.tokens[user])
	}
	return u.String()
}

// basic is user's valid HTTP Basic credential.
func (s *testServer) basic(user string) http.Header {
	return basic(user, s.auth.tokens[user])
}

// git runs the git client in dir and returns its stderr.
func (s *testServer) git(dir string, env []string, args ...string) (string, error) {
	s.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "protocol.version=2", "-c", "credential.helper=", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
	}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	err := cmd.Run()
	return stderr.String(), err
}

// mustGit runs git and fails the test if it fails.
func (s *testServer) mustGit(dir string, args ...string) string {
	s.t.Helper()
	out, err := s.git(dir, nil, args...)
	if err != nil {
		s.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// commit makes a local repository (once) in dir and commits a file to it.
func (s *testServer) commit(dir, file string, content []byte) string {
	s.t.Helper()
	if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
		s.mustGit("", "init", "-q", dir)
	}
	if err := os.WriteFile(filepath.Join(dir, file), content, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.mustGit(dir, "add", file)
	s.mustGit(dir, "commit", "-q", "-m", "add "+file)
	return strings.TrimSpace(s.mustGit(dir, "rev-parse", "HEAD"))
}

// serverRef returns the commit ref points at in the hosted repo, or "".
func (s *testServer) serverRef(repo, ref string) string {
	s.t.Helper()
	p, err := s.repos.Path(repo)
	if err != nil {
		s.t.Fatal(err)
	}
	out, err := exec.Command("git", "--git-dir", p, "rev-parse", "--verify", "-q", ref).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// get sends a raw request and returns the response status, headers and body.
func (s *testServer) do(method, path string, hdr http.Header, body io.Reader) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func basic(user, pw string) http.Header {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pw)
	return r.Header
}

func TestCloneFetchPushV2(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	work := t.TempDir()

	first := s.commit(filepath.Join(work, "src"), "a.txt", []byte("one\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments.git"), "main")
	if got := s.serverRef("acme/payments", "refs/heads/main"); got != first {
		t.Fatalf("server main = %q, want %q", got, first)
	}

	out, err := s.git(work, []string{"GIT_TRACE_PACKET=1"}, "clone", s.url("alice", "acme/payments"), "clone")
	if err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if !strings.Contains(out, "git< version 2") {
		t.Fatalf("clone did not use protocol v2:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(work, "clone", "a.txt")); err != nil || string(b) != "one\n" {
		t.Fatalf("cloned a.txt = %q, %v", b, err)
	}

	second := s.commit(filepath.Join(work, "src"), "b.txt", []byte("two\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments"), "main")
	if got := s.serverRef("acme/payments", "refs/heads/main"); got != second {
		t.Fatalf("server main = %q, want %q", got, second)
	}
	s.mustGit(filepath.Join(work, "clone"), "fetch", "-q", "origin")
	if got := strings.TrimSpace(s.mustGit(filepath.Join(work, "clone"), "rev-parse", "origin/main")); got != second {
		t.Fatalf("fetched origin/main = %q, want %q", got, second)
	}
	// Shallow and partial clones are served too.
	s.mustGit(work, "clone", "-q", "--depth=1", "--filter=blob:none", s.url("alice", "acme/payments"), "partial")

	// Every request was authorized, and is on the record with the
	// transport and address set.
	evs := s.auth.decisions("alice")
	if len(evs) < 8 {
		t.Fatalf("only %d decisions audited for alice", len(evs))
	}
	for _, e := range evs {
		if e.Transport != "http" || e.Remote == "" || e.Repo != "acme/payments" || e.Result != "allow" {
			t.Fatalf("audit event %+v lacks transport, remote or canonical repo, or is no allow", e)
		}
	}
}

func TestAnonymousIsChallenged(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	resp, body := s.do("GET", "/acme/payments.git/info/refs?service=git-upload-pack", nil, nil)
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Basic realm="jitgit"` {
		t.Fatalf("anonymous: %d %q %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	out, err := s.git(t.TempDir(), nil, "clone", s.url("", "acme/payments"), "x")
	if err == nil {
		t.Fatalf("anonymous clone succeeded:\n%s", out)
	}
	// An anonymous client that is allowed is served.
	s.auth.allowAnyone("acme/payments", auth.LevelRead)
	if out, err := s.git(t.TempDir(), nil, "clone", s.url("", "acme/payments"), "x"); err != nil {
		t.Fatalf("allowed anonymous clone: %v\n%s", err, out)
	}
}

func TestBadCredentialsAreNotAnonymous(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.allowAnyone("acme/payments", auth.LevelRead) // anonymous could read
	runs := s.run.Runs()
	for name, hdr := range map[string]http.Header{
		"wrong password": basic("alice", "nope"),
		"unknown user":   basic("mallory", "x"),
		"empty":          {"Authorization": {""}},
		"empty basic":    {"Authorization": {"Basic "}},
		"empty password": basic("alice", ""),
		"empty user":     basic("", s.auth.tokens["alice"]),
		"not base64":     {"Authorization": {"Basic !!!"}},
		"no colon":       {"Authorization": {"Basic YWxpY2U="}},
		"bearer":         {"Authorization": {"Bearer jg_x"}},
		"two headers":    {"Authorization": {s.basic("alice").Get("Authorization"), "Basic x"}},
	} {
		resp, body := s.do("GET", "/acme/payments.git/info/refs?service=git-upload-pack", hdr, nil)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, body)
		}
	}
	if s.run.Runs() != runs {
		t.Error("git ran for a request with bad credentials")
	}
}

func TestPasswordGuessingIsThrottled(t *testing.T) {
	s := newTestServer(t, HTTPConfig{Throttle: ratelimit.NewThrottle(3, time.Minute, time.Now)}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	path := "/acme/payments.git/info/refs?service=git-upload-pack"
	// The guesses are token-shaped, the HTTP password most clients hold,
	// which also spares the race detector an argon2 hash per guess.
	for i := range 3 {
		if resp, _ := s.do("GET", path, basic("alice", fmt.Sprintf("jg_guess%040d", i)), nil); resp.StatusCode != 401 {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	// Even the right password is refused from that address until the
	// window passes: the guesser cannot tell it found it.
	resp, body := s.do("GET", path, s.basic("alice"), nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "too many failed sign-ins") {
		t.Fatalf("after three failures: %d %q", resp.StatusCode, body)
	}
}

func TestDeniedUserSeesWhereToAsk(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	out, err := s.git(t.TempDir(), nil, "clone", s.url("bob", "acme/payments.git"), "x")
	if err == nil {
		t.Fatalf("bob cloned without a grant:\n%s", out)

	}
	for _, want := range []string{
		"remote error: bob has no active grant to read acme/payments. Ask for access: " + publicURL + "/requests/new?repo=acme/payments&access=read\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("git output lacks %q:\n%s", want, out)
		}
	}

	// A missing repository looks the same as a private one to bob...
	respPrivate, bodyPrivate := s.do("GET", "/acme/payments/info/refs?service=git-upload-pack", s.basic("bob"), nil)
	respMissing, bodyMissing := s.do("GET", "/acme/nothing/info/refs?service=git-upload-pack", s.basic("bob"), nil)
	if respPrivate.StatusCode != 200 || respMissing.StatusCode != 200 ||
		len(bodyPrivate) < 38 || len(bodyMissing) < 38 || strings.ReplaceAll(bodyPrivate[38:], "payments", "X") != strings.ReplaceAll(bodyMissing[38:], "nothing", "X") {
		t.Errorf("private %d %q vs missing %d %q", respPrivate.StatusCode, bodyPrivate, respMissing.StatusCode, bodyMissing)
	}
	// ...and the refusal is git's ERR packet, which every client prints.
	if ct := respPrivate.Header.Get("Content-Type"); ct != "application/x-git-upload-pack-advertisement" ||
		!strings.Contains(bodyPrivate, "# service=git-upload-pack\n0000008bERR bob has no active grant") {
		t.Errorf("refusal: Content-Type %q, body %q", ct, bodyPrivate)
	}
	// An anonymous client is asked for credentials instead.
	if resp, _ := s.do("GET", "/acme/payments/info/refs?service=git-upload-pack", nil, nil); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// ...while someone allowed learns it is missing.
	s.auth.grant("bob", "acme/*", auth.LevelRead)
	if resp, body := s.do("GET", "/acme/nothing/info/refs?service=git-upload-pack", s.basic("bob"), nil); resp.StatusCode != 404 || body != "repository not found\n" {
		t.Errorf("allowed, missing: %d %q", resp.StatusCode, body)
	}
}

func TestReadOnlyUserCannotPush(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	s.auth.grant("carol", "acme/payments", auth.LevelRead)
	work := t.TempDir()
	s.commit(filepath.Join(work, "src"), "a.txt", []byte("one\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments"), "main")

	s.mustGit(work, "clone", "-q", s.url("carol", "acme/payments"), "c")
	before := s.serverRef("acme/payments", "main")
	s.commit(filepath.Join(work, "c"), "b.txt", []byte("carol\n"))
	out, err := s.git(filepath.Join(work, "c"), nil, "push", "origin", "main")
	if err == nil {
		t.Fatalf("read-only push succeeded:\n%s", out)
	}
	if !strings.Contains(out, "remote error: carol has read access to acme/payments but no active grant to write it") ||
		!strings.Contains(out, "access=write") {
		t.Errorf("push refusal not shown:\n%s", out)
	}
	if got := s.serverRef("acme/payments", "main"); got != before {
		t.Errorf("server main moved to %s", got)
	}
}

func TestRevocationTakesEffectOnNextRequest(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	work := t.TempDir()
	s.commit(filepath.Join(work, "src"), "a.txt", []byte("one\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments"), "main")
	s.mustGit(work, "clone", "-q", s.url("alice", "acme/payments"), "c")

	s.auth.revoke("alice", "acme/payments")
	out, err := s.git(filepath.Join(work, "c"), nil, "fetch", "origin")
	if err == nil || !strings.Contains(out, "remote error: alice has no active grant to read acme/payments") {
		t.Fatalf("fetch after revocation: %v\n%s", err, out)
	}
}

func TestPushRecheckDeniedLandsNothing(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	work := t.TempDir()
	first := s.commit(filepath.Join(work, "src"), "a.txt", []byte("one\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments"), "main")

	// The grant ends during the push: the advertisement and the POST are
	// allowed, the re-check at ref-apply time is not.
	n := len(s.auth.decisions("alice"))
	s.duringUpload.Store(ptr(func() { s.auth.Clock.Advance(2 * time.Hour) }))
	second := s.commit(filepath.Join(work, "src"), "b.txt", []byte("two\n"))
	out, err := s.git(filepath.Join(work, "src"), nil, "push", s.url("alice", "acme/payments"), "main")
	if err == nil {
		t.Fatalf("push succeeded after the grant ended:\n%s", out)
	}
	for _, want := range []string{
		"remote: push refused: alice has no active grant to write acme/payments",
		"remote: Ask for access: " + publicURL + "/requests/new?repo=acme/payments&access=write",
		"pre-receive hook declined",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("git output lacks %q:\n%s", want, out)
		}
	}
	s.landedNothing("acme/payments", first, second)
	var writes []string
	for _, e := range s.auth.decisions("alice")[n:] {
		if e.Action == "access.write" {
			writes = append(writes, e.Result)
		}
	}
	if want := []string{"allow", "allow", "deny"}; !slices.Equal(writes, want) {
		t.Errorf("audited write decisions = %v, want %v", writes, want)
	}
}

// landedNothing fails the test unless repo's main is still at first and
// the refused commit is not in the repository at all.
func (s *testServer) landedNothing(repo, first, refused string) {
	s.t.Helper()
	if got := s.serverRef(repo, "refs/heads/main"); got != first {
		s.t.Errorf("server main = %s, want it unchanged at %s", got, first)
	}
	p, _ := s.repos.Path(repo)
	if err := exec.Command("git", "--git-dir", p, "cat-file", "-e", refused).Run(); err == nil {
		s.t.Errorf("the refused commit %s is in the repository", refused)
	}
}

// A token revoked while its push uploads lands nothing: the re-check
// signs the pusher in again before it asks about the grant.
func TestPushWithTokenRevokedDuringUploadLandsNothing(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	work := t.TempDir()
	first := s.commit(filepath.Join(work, "src"), "a.txt", []byte("one\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments"), "main")

	n := len(s.auth.decisions("alice"))
	s.duringUpload.Store(ptr(func() {
		if err := s.auth.Svc.RevokeToken(context.Background(), s.auth.Admin, "alice", s.auth.tokenIDs["alice"]); err != nil {
			t.Error(err)
		}
	}))
	second := s.commit(filepath.Join(work, "src"), "b.txt", []byte("two\n"))
	out, err := s.git(filepath.Join(work, "src"), nil, "push", s.url("alice", "acme/payments"), "main")
	if err == nil {
		t.Fatalf("push succeeded with a revoked token:\n%s", out)
	}
	for _, want := range []string{
		"remote: push refused: alice can no longer sign in (the token was revoked or expired)",
		"pre-receive hook declined",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("git output lacks %q:\n%s", want, out)
		}
	}
	s.landedNothing("acme/payments", first, second)
	// The grant still stands, so only the credential refused: the two
	// writes allowed before, then the refused re-check.
	var writes []string
	for _, e := range s.auth.decisions("alice")[n:] {
		writes = append(writes, e.Action+" "+e.Result)
	}
	if want := []string{"access.write allow", "access.write allow", "access.recheck deny"}; !slices.Equal(writes, want) {
		t.Errorf("audited decisions = %v, want %v", writes, want)
	}
	if revoked := s.auth.events("local-admin", "token.revoke"); len(revoked) != 1 {
		t.Errorf("token revocations on the record: %+v", revoked)
	}
	// The next request with that token is refused at sign-in.
	if out, err := s.git(filepath.Join(work, "src"), nil, "push", s.url("alice", "acme/payments"), "main"); err == nil {
		t.Fatalf("push with the revoked token succeeded:\n%s", out)
	}
}

func ptr[T any](v T) *T { return &v }

func TestBadGitProtocolRunsNothing(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	for _, v := range [][]string{{"version=3"}, {"version=2:x=y"}, {"VERSION=2"}, {"version=2", "version=1"}} {
		hdr := s.basic("alice")
		hdr["Git-Protocol"] = v
		resp, body := s.do("GET", "/acme/payments.git/info/refs?service=git-upload-pack", hdr, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "version=2") {
			t.Errorf("Git-Protocol %q: %d %q", v, resp.StatusCode, body)
		}
	}
	if s.run.Runs() != 0 {
		t.Errorf("%d git processes ran", s.run.Runs())
	}
	hdr := s.basic("alice")
	hdr.Set("Git-Protocol", "version=2")
	resp, body := s.do("GET", "/acme/payments.git/info/refs?service=git-upload-pack", hdr, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "000eversion 2\n") ||
		resp.Header.Get("Content-Type") != "application/x-git-upload-pack-advertisement" {
		t.Errorf("v2 advertisement: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = s.do("GET", "/acme/payments.git/info/refs?service=git-upload-pack", s.basic("alice"), nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "001e# service=git-upload-pack\n0000") ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "no-cache") {
		t.Errorf("v0 advertisement: %d %q", resp.StatusCode, body)
	}
}

func TestBodyLimits(t *testing.T) {
	const limit = 64 << 10
	s := newTestServer(t, HTTPConfig{MaxUploadPackBody: limit, MaxReceivePackBody: limit}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)

	// Declared too large: refused before git starts.
	hdr := s.basic("alice")
	hdr.Set("Content-Type", "application/x-git-receive-pack-request")
	resp, body := s.do("POST", "/acme/payments.git/git-receive-pack", hdr, bytes.NewReader(make([]byte, limit+1)))
	if resp.StatusCode != 413 || !strings.Contains(body, "at most 64 KiB for git-receive-pack") {
		t.Errorf("large body: %d %q", resp.StatusCode, body)
	}
	if s.run.Runs() != 0 {
		t.Errorf("git ran for a body over the limit")
	}

	// A real push over the limit fails with 413.
	work := t.TempDir()
	big := make([]byte, 4*limit)
	rand.Read(big) // incompressible
	s.commit(filepath.Join(work, "src"), "big.bin", big)
	out, err := s.git(filepath.Join(work, "src"), nil, "push", s.url("alice", "acme/payments"), "main")
	if err == nil || !strings.Contains(out, "413") {
		t.Errorf("push over the limit: %v\n%s", err, out)
	}
	if got := s.serverRef("acme/payments", "refs/heads/main"); got != "" {
		t.Errorf("server main = %s after a refused push", got)
	}

	// Wrong Content-Type and Content-Encoding are refused.
	hdr = s.basic("alice")
	hdr.Set("Content-Type", "application/octet-stream")
	if resp, _ := s.do("POST", "/acme/payments.git/git-upload-pack", hdr, strings.NewReader("0000")); resp.StatusCode != 415 {
		t.Errorf("wrong Content-Type: %d", resp.StatusCode)
	}
	hdr.Set("Content-Type", "application/x-git-upload-pack-request")
	hdr.Set("Content-Encoding", "br")
	if resp, _ := s.do("POST", "/acme/payments.git/git-upload-pack", hdr, strings.NewReader("0000")); resp.StatusCode != 415 {
		t.Errorf("unknown Content-Encoding: %d", resp.StatusCode)
	}
}

// TestStreamedBodyLimits uses a git that reads all its input, so that only
// the limits stop it.
func TestStreamedBodyLimits(t *testing.T) {
	const limit = 1 << 20
	fake := filepath.Join(t.TempDir(), "git")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\ncat >/dev/null\necho done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, HTTPConfig{MaxUploadPackBody: limit}, fake)
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	post := func(body io.Reader, gz bool) (*http.Response, string) {
		hdr := s.basic("alice")
		hdr.Set("Content-Type", "application/x-git-upload-pack-request")
		if gz {
			hdr.Set("Content-Encoding", "gzip")
		}
		return s.do("POST", "/acme/payments.git/git-upload-pack", hdr, body)
	}
	// A body of unknown length (chunked) over the limit.
	resp, body := post(io.MultiReader(bytes.NewReader(pktFill(3*limit))), false)
	if resp.StatusCode != 413 || !strings.Contains(body, "at most 1 MiB") {
		t.Errorf("chunked over the limit: %d %q", resp.StatusCode, body)
	}
	// A gzip bomb: small compressed, huge decompressed. It is one
	// compressed MiB of zeros repeated as 64 gzip members (a gzip stream
	// may hold many), since compressing 64 MiB under the race detector
	// would take most of the test's time.
	var member, bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(pktFill(1 << 20))
	zw.Close()
	for range 64 {
		bomb.Write(member.Bytes())
	}
	if bomb.Len() >= limit {
		t.Fatalf("bomb is %d bytes compressed", bomb.Len())
	}
	resp, body = post(bytes.NewReader(bomb.Bytes()), true)
	if resp.StatusCode != 413 {
		t.Errorf("gzip bomb: %d %q", resp.StatusCode, body)
	}
	// Under the limit, compressed or not, the body is served.
	var small bytes.Buffer
	zw = gzip.NewWriter(&small)
	zw.Write(pktFill(limit))
	zw.Close()
	if resp, body := post(&small, true); resp.StatusCode != 200 || body != "done\n" ||
		resp.Header.Get("Content-Type") != "application/x-git-upload-pack-result" {
		t.Errorf("gzip under the limit: %d %q", resp.StatusCode, body)
	}
	if resp, body := post(io.MultiReader(bytes.NewReader(pktFill(limit))), false); resp.StatusCode != 200 || body != "done\n" {
		t.Errorf("chunked under the limit: %d %q", resp.StatusCode, body)
	}
	if resp, body := post(strings.NewReader("not gzip"), true); resp.StatusCode != 400 {
		t.Errorf("bad gzip: %d %q", resp.StatusCode, body)
	}
}

// pktFill is n bytes of well-formed pkt-lines that want nothing, which
// pass the want guard as they are.
func pktFill(n int) []byte {
	return bytes.Repeat([]byte("0008abcd"), n/8)
}

// rawRequest sends path byte for byte, as no client library would.
func (s *testServer) rawRequest(method, path string, hdr http.Header) int {
	s.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n", method, path)
	hdr.Write(&b)
	if method == "POST" {
		b.WriteString("Content-Type: application/x-git-upload-pack-request\r\nContent-Length: 4\r\n\r\n0000")
	} else {
		b.WriteString("\r\n")
	}
	io.WriteString(conn, b.String())
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		s.t.Fatalf("%s %q: %v", method, path, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestBadRepoNamesStartNothing(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	// Alice may read everything she could possibly name.
	for _, r := range []string{"acme/payments", "acme/*", "etc/*"} {
		s.auth.grant("alice", r, auth.LevelWrite)
	}
	hdr := s.basic("alice")
	for _, repo := range []string{
		"/acme/..", "/acme/../acme/payments", "/acme/%2e%2e", "/acme/%2E%2E/acme/payments",
		"/acme%2fpayments", "/acme%252fpayments", "/acme/%252e%252e", "/acme/pay%25ments",
		"//acme/payments", "///etc/passwd", "/acme/./payments", "/./acme/payments",
		"/-acme/payments", "/acme/--help", "/Acme/payments", "/acme/payments.git.git",
		"/acme\\payments", "/acme/pay%5cments", "/acme/pay%00ments", "/acme/pay%0aments",
		"/acme", "/acme/payments/x", "/acme//payments", "/%2e%2e/%2e%2e/etc/passwd",
		"/acme/pay%ments",
	} {
		for _, req := range []struct{ method, suffix string }{
			{"GET", "/info/refs?service=git-upload-pack"},
			{"GET", "/info/refs?service=git-receive-pack"},
			{"POST", "/git-upload-pack"},
			{"POST", "/git-receive-pack"},
		} {
			if code := s.rawRequest(req.method, repo+req.suffix, hdr); code < 400 || code == 401 || code == 403 {
				t.Errorf("%s %s%s: %d", req.method, repo, req.suffix, code)
			}
		}
	}
	if n := s.run.Runs(); n != 0 {
		t.Errorf("%d git processes started for bad names", n)
	}
	for _, e := range s.auth.decisions("alice") {
		t.Errorf("a bad name reached a decision: %+v", e)
	}
}

func TestNonGitRequestsFallBack(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	for _, p := range []struct{ method, path string }{
		{"GET", "/acme/payments.git/HEAD"},
		{"GET", "/acme/payments.git/config"},
		{"GET", "/acme/payments.git/objects/info/packs"},
		{"GET", "/acme/payments.git/info/refs"},
		{"GET", "/acme/payments.git/info/refs?service=git-upload-archive"},
		{"GET", "/acme/payments.git/info/refs?service=git-upload-pack&service=git-upload-pack"},
		{"POST", "/acme/payments.git/info/refs?service=git-upload-pack"},
		{"GET", "/acme/payments.git/git-upload-pack"},
		{"PUT", "/acme/payments.git/git-receive-pack"},
		{"GET", "/"},
		{"GET", "/requests/new"},
	} {
		resp, body := s.do(p.method, p.path, s.basic("alice"), nil)
		if resp.StatusCode != http.StatusTeapot || !strings.Contains(body, "fallback") {
			t.Errorf("%s %s: %d %q", p.method, p.path, resp.StatusCode, body)
		}
	}
	if s.run.Runs() != 0 {
		t.Error("git ran for a non-Git request")
	}

	srv := httptest.NewServer(NewHTTP(HTTPConfig{}, s.auth.Svc, s.repos, s.run, nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/acme/payments.git/HEAD")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("no fallback: %d", resp.StatusCode)
	}
}

func TestRepoHooksNeverRun(t *testing.T) {
	s := newTestServer(t, HTTPConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	p, _ := s.repos.Path("acme/payments")
	marker := filepath.Join(t.TempDir(), "ran")
	hook := "#!/bin/sh\ntouch " + marker + "\n"
	if err := os.MkdirAll(filepath.Join(p, "hooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pre-receive", "update", "post-receive", "post-update", "reference-transaction"} {
		if err := os.WriteFile(filepath.Join(p, "hooks", name), []byte(hook), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "config", "--file", filepath.Join(p, "config"), "core.hooksPath", filepath.Join(p, "hooks")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	work := t.TempDir()
	head := s.commit(filepath.Join(work, "src"), "a.txt", []byte("one\n"))
	s.mustGit(filepath.Join(work, "src"), "push", "-q", s.url("alice", "acme/payments"), "main")
	if got := s.serverRef("acme/payments", "main"); got != head {
		t.Fatalf("server main = %q, want %q", got, head)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a hook inside the repository ran")
	}
}

// A client that asks for a fetch and then stops reading must not hold the
// git process for ever: the server gives up on a write that makes no
// progress within WriteTimeout and git is stopped.
func TestStalledReaderIsCutOff(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	fake := filepath.Join(dir, "git")
	// Like git, but with an endless answer.
	script := "#!/bin/sh\necho $$ > " + pidFile + "\nexec yes jitgit-stalled-reader-test\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, HTTPConfig{WriteTimeout: 300 * time.Millisecond}, fake)
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 10)
	}
	var req strings.Builder
	req.WriteString("GET /acme/payments.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: x\r\n")
	s.basic("alice").Write(&req)
	req.WriteString("\r\n")
	io.WriteString(conn, req.String())
	// Never read. The fake git must be gone soon after the timeout.
	var pid int
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, _ = strconv.Atoi(strings.TrimSpace(string(b))); pid > 0 {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("git never started")
	}
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("git still runs for a client that stopped reading")
}
