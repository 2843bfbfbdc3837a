package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// server is a `jitgit serve` process of the real binary.
type server struct {
	t    *testing.T
	data string
	url  string
	env  []string
}

func startServer(t *testing.T, config string) *server {
	t.Helper()
	dir := t.TempDir()
	httpAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "jitgit.toml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, data: filepath.Join(dir, "data"), url: "http://" + httpAddr}
	s.env = append(os.Environ(), "JITGIT_DATA="+s.data, "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.com", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.com")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "jitgit"), "serve", "--config", cfg, "--http", httpAddr, "--ssh", "off")
	cmd.Env = s.env
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", httpAddr); err == nil {
			c.Close()
			if _, err := os.Stat(filepath.Join(s.data, "jitgit.sock")); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", log.String())
		}
	}
	return s
}

// run runs a command (jitgit or git) with the server's environment in dir
// and returns its trimmed stdout; wantErr says whether it must fail.
func (s *server) run(dir string, wantErr bool, stdin string, name string, args ...string) (string, string) {
	s.t.Helper()
	if name == "jitgit" {
		name = filepath.Join(binDir, "jitgit")
	}
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, s.env, strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if (err != nil) != wantErr {
		s.t.Fatalf("%s %s: err=%v, want failure=%v\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), err, wantErr, out.String(), errb.String())
	}
	return strings.TrimSpace(out.String()), errb.String()
}

func chromium(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing; under CI the browser tests must run (apt-get install chromium)")
	}
	t.Skip("chromium not installed")
	return ""
}

// TestBrowserRequestToPush is the whole just-in-time loop as people live
// it: alice asks in the browser, bob approves in his queue, alice copies the
// clone URL from her dashboard and clones and pushes with git, and once the
// grant has run out her next push is refused.
func TestBrowserRequestToPush(t *testing.T) {
	t.Parallel()
	browserPath := chromium(t)
	const grantFor = 10 * time.Minute
	s := startServer(t, fmt.Sprintf("[limits]\nmax_grant = %q\ndefault_request = %q\n", grantFor.String(), grantFor.String()))
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "alice-password\n", "jitgit", "user", "add", "alice", "--password-stdin")
	s.run(work, false, "bob-password\n", "jitgit", "user", "add", "bob", "--approver", "--password-stdin")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browserPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	defer cancel()
	root, cancelRoot := chromedp.NewContext(alloc)
	defer cancelRoot()
	root, cancelTimeout := context.WithTimeout(root, 2*time.Minute)
	defer cancelTimeout()
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tab := func() context.Context {
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	shots := t.TempDir()
	step := func(ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s: screenshot: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signIn := func(ctx context.Context, who string) {
		step(ctx, who+"-signin",
			chromedp.Navigate(s.url+"/signin"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/signin"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), who),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), who+"-password"),
			chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`nav`)))
	}

	// The deny message's link pre-fills the form.
	_, denied := s.run(work, true, "", "git", "clone", strings.Replace(s.url, "http://", "http://alice:"+token+"@", 1)+"/acme/payments.git", "early")
	if !strings.Contains(denied, "/requests/new?repo=acme/payments&access=read") {
		t.Fatalf("deny message without the request link:\n%s", denied)
	}
	alice, bob := tab(), tab()
	signIn(alice, "alice")
	step(alice, "alice-asks",
		chromedp.Navigate(s.url+"/requests/new?repo=acme/payments&access=write"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/requests"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="reason"]`), "Hotfix for INC-42"),
		chromedp.Click(chromedp.CSS(`form[action="/requests"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)))

	signIn(bob, "bob")
	step(bob, "bob-approves",
		chromedp.Navigate(s.url+"/approvals"),
		chromedp.WaitVisible(chromedp.CSS(`ul.queue li`)),
		chromedp.Click(chromedp.CSS(`ul.queue form[action$="/approve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)))

	step(alice, "alice-dashboard", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`li.grant`)))
	cloneURL, err := chromedp.Run(alice, chromedp.Value(chromedp.CSS(`li.grant input.copyable`)))
	if err != nil || cloneURL != s.url+"/acme/payments.git" {
		t.Fatalf("dashboard clone URL %q (%v)", cloneURL, err)
	}
	u, _ := url.Parse(cloneURL)
	u.User = url.UserPassword("alice", token)
	s.run(work, false, "", "git", "clone", u.String(), "payments")
	repo := filepath.Join(work, "payments")
	if err := os.WriteFile(filepath.Join(repo, "fix.txt"), []byte("fixed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.run(repo, false, "", "git", "add", "fix.txt")
	s.run(repo, false, "", "git", "commit", "-m", "hotfix")
	s.run(repo, false, "", "git", "push", "origin", "HEAD:main")

	// The grant ends by itself; nobody revokes it. The server's clock jumps
	// past its end (it began before now), and the very next push is refused.
	s.run(work, false, "", "jitgit", "debug", "clock", "advance", (grantFor + time.Second).String())
	s.run(repo, false, "", "git", "commit", "--allow-empty", "-m", "too late")
	_, stderr := s.run(repo, true, "", "git", "push", "origin", "HEAD:main")
	if !strings.Contains(stderr, "alice has no active grant to write acme/payments") {
		t.Fatalf("push after expiry: %s", stderr)
	}
	step(alice, "alice-after-expiry", chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(chromedp.CSS(`nav`)))
	if n, err := chromedp.Run(alice, chromedp.Evaluate[int](`document.querySelectorAll("li.grant").length`)); err != nil || n != 0 {
		t.Fatalf("dashboard still lists %d active grants after expiry (%v)", n, err)
	}
}
