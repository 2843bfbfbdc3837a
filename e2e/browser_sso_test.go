package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/jitgit/jitgit/sso/ssotest"
)

// TestBrowserSSOToClone is the way in for someone who has only the
// company's identity provider: alice clicks "Sign in with", signs in at the
// provider (a real one, run by this test), is back on her dashboard as a
// user made at that moment with the provider's groups, makes a token in
// her settings, and clones a repository her group has a grant on. Before
// the grant, the same token is refused.
func TestBrowserSSOToClone(t *testing.T) {
	t.Parallel()
	browserPath := chromium(t)
	idp := ssotest.Start(t, "jitgit", "e2e-client-secret")
	idp.SetUser(ssotest.User{Name: "alice", Password: "alice-at-idp", Groups: []string{"payments"}})
	secretFile := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secretFile, []byte("e2e-client-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, fmt.Sprintf(`[oidc]
name = "Test IdP"
issuer = %q
client_id = "jitgit"
client_secret_file = %q
scopes = ["openid", "groups"]
groups_claim = "groups"
create_users = true
`, idp.Issuer, secretFile))
	idp.AllowRedirect(s.url + "/signin/oidc/callback")
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")

	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browserPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900))
	defer cancel()
	ctx, cancelCtx := chromedp.NewContext(alloc)
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelTimeout()
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("sign in with the provider",
		chromedp.Navigate(s.url+"/settings"),
		chromedp.WaitVisible(chromedp.CSS(`#sso-signin`)),
		chromedp.Click(chromedp.CSS(`#sso-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "alice-at-idp"),
		chromedp.Click(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/settings/tokens"]`)))
	page, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || page != s.url+"/settings" {
		t.Fatalf("after sign-in the browser is at %q (%v), want the settings page it asked for", page, err)
	}
	step("make a token",
		chromedp.SendKeys(chromedp.CSS(`form[action="/settings/tokens"] input[name="name"]`), "laptop"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/tokens"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.new-token input`)))
	token, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`.new-token input`)))
	if err != nil || !strings.HasPrefix(token, "jg_") {
		t.Fatalf("new token %q (%v)", token, err)
	}
	expires, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`td[data-label="Expires"]`)))
	if err != nil || strings.Contains(expires, "never") {
		t.Fatalf("the token made without choosing a lifetime expires %q (%v); want the default", expires, err)
	}

	u, _ := url.Parse(s.url + "/acme/payments.git")
	u.User = url.UserPassword("alice", token)
	_, denied := s.run(work, true, "", "git", "clone", u.String(), "early")
	if !strings.Contains(denied, "/requests/new?repo=acme/payments") {
		t.Fatalf("clone without a grant:\n%s", denied)
	}
	s.run(work, false, "", "jitgit", "grant", "add", "--group", "payments", "--repo", "acme/payments", "--access", "read", "--for", "1h", "--reason", "team")
	s.run(work, false, "", "git", "clone", u.String(), "payments")
	users, _ := s.run(work, false, "", "jitgit", "user", "list", "--json")
	if !strings.Contains(users, `"alice"`) || !strings.Contains(users, `"payments"`) {
		t.Fatalf("alice was not created with the provider's group:\n%s", users)
	}
}
