package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds the browser for the browser tests. Without one the
// tests skip, except under CI, where a missing browser is a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("JITGIT_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing; the browser tests must run under CI (apt-get install chromium)")
	}
	t.Skip("chromium not found; set JITGIT_CHROMIUM or install chromium")
	return ""
}

// browserSession is one user's window: its own cookie jar (browser context)
// in a shared headless chromium.
type browserSession struct {
	t     testing.TB
	ctx   context.Context
	base  string
	shots *screenshots
}

// screenshots saves each step's picture in the test's temporary directory,
// and also under JITGIT_SCREENSHOTS (relative to the module root) when set.
type screenshots struct {
	t    *testing.T
	dirs []string
}

func newScreenshots(t *testing.T) *screenshots {
	s := &screenshots{t: t, dirs: []string{t.TempDir()}}
	if d := os.Getenv("JITGIT_SCREENSHOTS"); d != "" {
		if !filepath.IsAbs(d) {
			d = filepath.Join("..", d)
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		s.dirs = append(s.dirs, d)
	}
	return s
}

func (s *screenshots) save(name string, png []byte) {
	s.t.Helper()
	for _, d := range s.dirs {
		if err := os.WriteFile(filepath.Join(d, name+".png"), png, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
}

// startBrowser runs headless chromium for the test and returns a root
// context whose children are tabs.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	parent, cancelParent := context.WithTimeout(context.Background(), 3*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelRoot()
		cancelAlloc()
		cancelParent()
	})
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return root
}

func (s *stack) browser(root context.Context, shots *screenshots) *browserSession {
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	s.t.Cleanup(cancel)
	return &browserSession{t: s.t, ctx: ctx, base: s.srv.URL, shots: shots}
}

func (b *browserSession) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserSession) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browserSession) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.querySelectorAll("+jsString(sel)+").length"))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func (b *browserSession) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shots.save(name, png)
}

func (b *browserSession) open(path, waitFor string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// signIn fills the sign-in form like a person would.
func (b *browserSession) signIn(name, shot string) {
	b.t.Helper()
	b.open("/signin", `form[action="/signin"]`)
	b.do(
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), name+"-password"),
	)
	if shot != "" {
		b.shot(shot)
	}
	b.do(chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)), chromedp.WaitVisible(chromedp.CSS(`nav`)))
}

// ask files a request from the form, starting at the link a git deny
// message prints, and returns the request page's path.
func (b *browserSession) ask(repo, access, duration, reason, shot string) string {
	b.t.Helper()
	b.open("/requests/new?repo="+repo+"&access="+access, `form[action="/requests"]`)
	b.do(
		chromedp.SetValue(chromedp.CSS(`select[name="duration"]`), duration),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="reason"]`), reason),
	)
	if shot != "" {
		b.shot(shot)
	}
	b.do(chromedp.Click(chromedp.CSS(`form[action="/requests"] button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	path := strings.TrimPrefix(loc, b.base)
	path, _, _ = strings.Cut(path, "?")
	return path
}

func TestBrowserApproveFlow(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	shots := newScreenshots(t)
	alice, bob := s.browser(root, shots), s.browser(root, shots)

	alice.signIn("alice", "01-signin")
	alice.shot("02-dashboard-empty")
	reqPath := alice.ask("acme/payments", "write", "2h", "Deploy the payments hotfix for OPS-1234", "03-request-form")
	alice.shot("04-request-pending")

	bob.signIn("bob", "")
	bob.open("/approvals", "ul.queue li")
	if got := bob.text("ul.queue .reason"); got != "Deploy the payments hotfix for OPS-1234" {
		t.Fatalf("queue shows reason %q", got)
	}
	bob.shot("05-approvals-queue")
	bob.do(chromedp.Click(chromedp.CSS(`ul.queue form[action="`+reqPath+`/approve"] button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	if got := bob.text(".badge.big"); got != "approved" {
		t.Fatalf("after approval the request is %q", got)
	}
	bob.shot("06-request-approved")

	alice.open("/", "li.grant")
	url, err := chromedp.Run(alice.ctx, chromedp.Value(chromedp.CSS(`li.grant input.copyable`)))
	if err != nil || url != s.srv.URL+"/acme/payments.git" {
		t.Fatalf("clone URL %q %v", url, err)
	}
	if n := alice.count("li.grant button.copy"); n != 2 {
		t.Errorf("%d copy buttons, want 2 (HTTP and SSH)", n)
	}
	// app.js turns the static end time into a live countdown.
	if _, err := chromedp.Run(alice.ctx, chromedp.Poll[bool](`document.querySelector("time.countdown").textContent.includes("left")`)); err != nil {
		t.Fatalf("countdown never started: %v", err)
	}
	if got := alice.text("time.countdown"); !strings.Contains(got, "1h 59m") {
		t.Errorf("countdown %q", got)
	}
	alice.shot("07-dashboard-grant")
	alice.do(chromedp.EmulateViewport(390, 844))
	alice.shot("08-dashboard-phone")
	alice.do(chromedp.EmulateViewport(1200, 900))
}

func TestBrowserOwnRequestNotApprovable(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("bob", true, false)
	s.repo("acme/payments")
	bob := s.browser(root, newScreenshots(t))
	bob.signIn("bob", "")
	reqPath := bob.ask("acme/payments", "write", "1h", "My own change", "")
	if n := bob.count(`form[action$="/approve"]`); n != 0 {
		t.Fatalf("own request page offers %d approve forms", n)
	}
	if got := bob.text(".why-not"); !strings.Contains(got, "someone else must approve") {
		t.Fatalf("own request page says %q", got)
	}
	bob.open("/approvals", "ul.queue li")
	if n := bob.count(`form[action="` + reqPath + `/approve"]`); n != 0 {
		t.Fatalf("queue offers approval of bob's own request")
	}
	bob.shot("09-own-request-in-queue")
}

func TestBrowserDenyShowsReason(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	shots := newScreenshots(t)
	alice, bob := s.browser(root, shots), s.browser(root, shots)
	alice.signIn("alice", "")
	reqPath := alice.ask("acme/payments", "read", "1d", "Just looking around", "")

	bob.signIn("bob", "")
	bob.open(reqPath, `form[action$="/deny"]`)
	bob.do(
		chromedp.SendKeys(chromedp.CSS(`form[action$="/deny"] textarea[name="reason"]`), "Use the read-only mirror <docs/mirror>"),
		chromedp.Click(chromedp.CSS(`form[action$="/deny"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	)
	alice.open(reqPath, ".deny-note")
	if got := alice.text(".deny-note"); got != "Use the read-only mirror <docs/mirror>" {
		t.Fatalf("requester sees deny reason %q", got)
	}
	if got := alice.text(".badge.big"); got != "denied" {
		t.Fatalf("status %q", got)
	}
	alice.shot("10-request-denied")
}

func TestBrowserRefScopedRequest(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, false)
	s.repo("acme/payments")
	shots := newScreenshots(t)
	alice, bob := s.browser(root, shots), s.browser(root, shots)

	// The link a refused push prints opens the form with the ref filled in.
	alice.signIn("alice", "")
	alice.open("/requests/new?repo=acme/payments&access=write&ref=refs/heads/main", `form[action="/requests"]`)
	ref, err := chromedp.Run(alice.ctx, chromedp.Value(chromedp.CSS(`input[name="ref"]`)))
	if err != nil || ref != "refs/heads/main" {
		t.Fatalf("ref field %q %v", ref, err)
	}
	alice.do(
		chromedp.Click(chromedp.CSS(`input[name="allow"][value="force"]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="reason"]`), "Rewrite the bad merge of INC-7"),
	)
	alice.shot("10-request-form-ref")
	alice.do(chromedp.Click(chromedp.CSS(`form[action="/requests"] button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	loc, err := chromedp.Run(alice.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	reqPath, _, _ := strings.Cut(strings.TrimPrefix(loc, s.srv.URL), "?")

	// The approver sees which ref and what it allows before saying yes.
	bob.signIn("bob", "")
	bob.open("/approvals", "ul.queue li")
	if got := strings.Join(strings.Fields(bob.text("ul.queue .grant-head")), " "); !strings.Contains(got, "write on acme/payments limited to refs/heads/main (allows force) for 1h") {
		t.Fatalf("queue shows %q", got)
	}
	bob.shot("11-approvals-queue-ref")
	bob.open(reqPath, "dl.facts")
	if got := strings.Join(strings.Fields(bob.text("dl.facts")), " "); !strings.Contains(got, "refs/heads/main — allows force") {
		t.Fatalf("request page shows %q", got)
	}
	bob.do(chromedp.Click(chromedp.CSS(`form[action="`+reqPath+`/approve"] button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))

	// The requester's dashboard shows the refs of the running grant.
	alice.open("/", "li.grant")
	if got := strings.Join(strings.Fields(alice.text("li.grant .refscope")), " "); got != "limited to refs/heads/main (allows force)" {
		t.Fatalf("dashboard grant shows %q", got)
	}
	alice.shot("12-dashboard-grant-ref")
}
