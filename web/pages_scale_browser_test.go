package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// evalJSON evaluates a script that returns a JSON string and decodes it.
func (b *browserSession) evalJSON(script string, out any) {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](script))
	if err != nil {
		b.t.Fatalf("evaluate: %v", err)
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		b.t.Fatalf("evaluate: %v: %s", err, s)
	}
}

// discard runs a and drops its value.
func discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

func emulate[P any](cmd cdp.Command[P, cdp.Empty], p P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, p)
		return err
	})
}

func TestBrowserApprovalsQueue200(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("bob", true, false)
	for i := range 10 {
		s.repo(fmt.Sprintf("acme/r%d", i))
	}
	seedPending(t, s, 200)
	shots := newScreenshots(t)
	bob := s.browser(root, shots)
	bob.signIn("bob", "")
	bob.open("/approvals", "ul.queue li")
	if n := bob.count("ul.queue > li"); n != 25 {
		t.Fatalf("first page shows %d requests", n)
	}
	if got := bob.text("p.count"); !strings.Contains(got, "200 requests match") {
		t.Fatalf("count %q", got)
	}
	bob.shot("13-approvals-queue-200")
	firstID := bob.attr("ul.queue > li", "id")
	// Page through all 200: every request once.
	seen := map[string]bool{}
	for page := 0; ; page++ {
		var ids []string
		bob.evalJSON(`JSON.stringify([...document.querySelectorAll("ul.queue > li")].map(e => e.id))`, &ids)
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("page %d shows %s again", page, id)
			}
			seen[id] = true
		}
		if bob.count(`a[rel="next"]`) == 0 {
			break
		}
		bob.do(chromedp.Click(chromedp.CSS(`a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href^="/approvals"].button`)))
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 200 {
		t.Fatalf("the pages show %d requests", len(seen))
	}
	// Search and filter.
	bob.open("/approvals", "form.filter")
	bob.do(chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "task 17"),
		chromedp.SetValue(chromedp.CSS(`select[name="sort"]`), "oldest"),
		chromedp.Click(chromedp.CSS(`form.filter button`)),
		// The old page has a count too: wait for the page that the search
		// made, which shows the search as the field's value.
		chromedp.WaitVisible(chromedp.CSS(`input[name="q"][value="task 17"]`)), chromedp.WaitVisible(chromedp.CSS(`p.count`)))
	// task 17, task 170..179
	if got := bob.text("p.count"); !strings.Contains(got, "11 requests match") {
		t.Fatalf("search: %q", got)
	}
	if id := bob.attr("ul.queue > li", "id"); id != "req-r_00017" {
		t.Fatalf("oldest first starts with %s", id)
	}
	bob.shot("14-approvals-search")
	// Bulk: choose two, approve them.
	bob.do(chromedp.Click(chromedp.CSS(`#pick-r_00017`)), chromedp.Click(chromedp.CSS(`#pick-r_00170`)),
		chromedp.Click(chromedp.CSS(`form#bulk button`)), chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	if got := bob.text("p.count"); !strings.Contains(got, "9 requests match") {
		t.Fatalf("after bulk approve: %q", got)
	}
	for _, id := range []string{"r_00017", "r_00170"} {
		if r, _ := s.svc.Request(context.Background(), overseer, id); r.Status != auth.StatusApproved {
			t.Errorf("%s is %s", id, r.Status)
		}
	}
	if firstID != "req-r_00199" {
		t.Errorf("newest first starts with %s", firstID)
	}
}

func (b *browserSession) attr(sel, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.querySelector("+jsString(sel)+").getAttribute("+jsString(name)+")"))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func TestBrowserAuditPage10000(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("root", false, true)
	seedEvents(t, s, 10000)
	shots := newScreenshots(t)
	admin := s.browser(root, shots)
	admin.signIn("root", "")
	admin.do(chromedp.EmulateViewport(1280, 900))
	admin.open("/admin/audit", "table.audit")
	if n := admin.count("table.audit tbody tr"); n != auditPageSize {
		t.Fatalf("%d rows", n)
	}
	admin.do(chromedp.SendKeys(chromedp.CSS(`input[name="action"]`), "access"),
		chromedp.SetValue(chromedp.CSS(`select[name="result"]`), "deny"),
		chromedp.Click(chromedp.CSS(`form.filter button`)),
		// Wait for the page the filter made (it shows the filter as the
		// field's value), not the one it replaces.
		chromedp.WaitVisible(chromedp.CSS(`input[name="action"][value="access"]`)), chromedp.WaitVisible(chromedp.CSS(`table.audit`)))
	var actions []string
	admin.evalJSON(`JSON.stringify([...document.querySelectorAll("table.audit td[data-label=Action]")].map(e => e.textContent))`, &actions)
	for _, a := range actions {
		if a != "access.read" {
			t.Fatalf("filter access shows %q", a)
		}
	}
	// Readable at 1280 px: no column narrower than its label, no cell
	// broken into a letter a line, and the page itself does not scroll
	// sideways.
	var layout struct {
		Narrowest  float64
		PageScroll bool
		TallRow    float64
	}
	admin.evalJSON(`JSON.stringify({
		Narrowest: Math.min(...[...document.querySelectorAll("table.audit th")].map(th => th.getBoundingClientRect().width)),
		PageScroll: document.documentElement.scrollWidth > window.innerWidth,
		TallRow: Math.max(...[...document.querySelectorAll("table.audit tbody tr")].map(tr => tr.getBoundingClientRect().height))})`, &layout)
	if layout.Narrowest < 60 || layout.PageScroll || layout.TallRow > 120 {
		t.Errorf("audit table at 1280 px: %+v", layout)
	}
	admin.shot("15-audit-1280")
	admin.do(chromedp.Click(chromedp.CSS(`a[rel="next"]`)), chromedp.WaitVisible(chromedp.CSS(`a[rel="prev"]`)))
	if n := admin.count("table.audit tbody tr"); n != auditPageSize {
		t.Fatalf("older page: %d rows", n)
	}
	// On a phone each event is a card and nothing scrolls sideways.
	admin.do(chromedp.EmulateViewport(390, 844))
	admin.evalJSON(`JSON.stringify({Narrowest: 0, PageScroll: document.documentElement.scrollWidth > window.innerWidth,
		TallRow: getComputedStyle(document.querySelector("table.audit thead")).display === "none" ? 0 : 1})`, &layout)
	if layout.PageScroll || layout.TallRow != 0 {
		t.Errorf("audit on a phone: %+v", layout)
	}
	admin.shot("16-audit-phone")
}

func TestBrowserCodeBrowser(t *testing.T) {
	root := startBrowser(t)
	clock := &servicetest.Clock{}
	clock.Set(time.Now().UTC())
	s := newStack(t, Options{Now: clock.Now})
	s.user("alice", false, false)
	s.user("eve", false, false)
	s.repo("acme/payments")
	codeFixture(t, s, "acme/payments")
	if _, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "review"}); err != nil {
		t.Fatal(err)
	}
	shots := newScreenshots(t)
	alice, eve := s.browser(root, shots), s.browser(root, shots)
	alice.signIn("alice", "")
	alice.open("/repos/acme/payments", "a.button[href$='/tree']")
	alice.do(chromedp.Click(chromedp.CSS(`a.button[href$="/tree"]`)), chromedp.WaitVisible(chromedp.CSS(`table.files`)))
	alice.shot("17-code-tree")
	alice.do(chromedp.Click(chromedp.CSS(`a.dir[href$="path=src"]`)), chromedp.WaitVisible(chromedp.CSS(`a.file`)),
		chromedp.Click(chromedp.CSS(`a.file`)), chromedp.WaitVisible(chromedp.CSS(`pre.code`)))
	if got := alice.text("pre.code"); !strings.Contains(got, "func Pay() {}") {
		t.Fatalf("file view: %q", got)
	}
	alice.shot("18-code-file")
	alice.do(chromedp.Click(chromedp.CSS(`nav.tabs a[href*="/commits"]`)), chromedp.WaitVisible(chromedp.CSS(`ol.log li`)))
	if n := alice.count("ol.log li"); n != maxLogPage {
		t.Fatalf("log page: %d", n)
	}
	alice.shot("19-code-log")
	alice.do(chromedp.Click(chromedp.CSS(`ol.log li a`)), chromedp.WaitVisible(chromedp.CSS(`pre.diff-lines`)))
	if n := alice.count(".diff-lines .add"); n != 1 {
		t.Fatalf("diff shows %d added lines", n)
	}
	alice.shot("20-code-diff")

	eve.signIn("eve", "")
	eve.open("/repos/acme/payments/tree", "main")
	if got := eve.text("main"); !strings.Contains(got, "That does not exist, or you may not see it.") || eve.count("table.files") != 0 {
		t.Fatalf("eve sees: %q", got)
	}
	// The grant ends: the very next view is refused.
	clock.Advance(time.Hour)
	alice.open("/repos/acme/payments/tree", "main")
	if alice.count("table.files") != 0 || !strings.Contains(alice.text("main"), "That does not exist") {
		t.Fatal("alice still reads the code after her grant ended")
	}
}

func TestBrowserTimeZones(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/payments")
	shots := newScreenshots(t)
	for i, zone := range []string{"Asia/Tokyo", "America/New_York"} {
		alice := s.browser(root, shots)
		alice.do(emulate(emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}))
		alice.signIn("alice", "")
		path := alice.ask("acme/payments", []string{"read", "write"}[i], "1h", "look in "+zone, "")
		id := strings.TrimPrefix(path, "/requests/")
		req, err := s.svc.Request(context.Background(), overseer, id)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		alice.open(path, "time[data-local]")
		var stamps []struct{ Text, Title, DateTime string }
		alice.evalJSON(`JSON.stringify([...document.querySelectorAll("dl.facts time")].map(e => ({Text: e.textContent, Title: e.title, DateTime: e.getAttribute("datetime")})))`, &stamps)
		if len(stamps) < 2 {
			t.Fatalf("%s: times %+v", zone, stamps)
		}
		want := req.Created.In(loc).Format("2006-01-02 15:04")
		if !strings.HasPrefix(stamps[0].Text, want) || stamps[0].Title != req.Created.UTC().Format("2006-01-02 15:04 UTC") {
			t.Errorf("%s: asked shown as %+v, want %s with UTC in the title", zone, stamps[0], want)
		}
		if got := alice.text("dl.facts .deadline"); got != "in 23 hours" {
			t.Errorf("%s: lapses %q", zone, got)
		}
		if zone == "Asia/Tokyo" {
			alice.shot("21-request-tokyo")
		}
	}
}

// a11yCheck finds, on the page shown, inputs without a label, text below
// 4.5:1 (3:1 when large) against its background, and inputs and buttons
// whose outline is below 3:1 against what surrounds them.
const a11yCheck = `(() => {
  const rgb = s => { const m = s.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const bgOf = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0.5) return c; } return rgb(getComputedStyle(document.body).backgroundColor); };
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && s.display !== "none"; };
  const out = [];
  const name = el => el.tagName.toLowerCase() + (el.name ? "[name=" + el.name + "]" : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + (el.textContent || "").trim().slice(0, 30);
  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!el.labels.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")) out.push("no label: " + name(el));
  }
  for (const el of document.querySelectorAll("body *")) {
    if (!visible(el) || el.closest(".visually-hidden")) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const s = getComputedStyle(el);
    if (own) {
      const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const r = ratio(rgb(s.color), bgOf(el));
      if (r < need) out.push("text " + r.toFixed(2) + ": " + name(el));
    }
    if (el.matches("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, button, a.button")) {
      const around = bgOf(el.parentElement);
      const border = parseFloat(s.borderTopWidth) > 0 ? ratio(rgb(s.borderTopColor), around) : 0;
      const fill = ratio(bgOf(el), around);
      if (Math.max(border, fill) < 3 && !el.matches("button.link")) out.push("outline " + Math.max(border, fill).toFixed(2) + ": " + name(el));
    }
  }
  return JSON.stringify(out);
})()`

func TestBrowserAccessibility(t *testing.T) {
	root := startBrowser(t)
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.user("bob", true, true)
	s.repo("acme/payments")
	codeFixture(t, s, "acme/payments")
	ctx := context.Background()
	if _, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: "user:bob", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "review"}); err != nil {
		t.Fatal(err)
	}
	shots := newScreenshots(t)
	alice, bob := s.browser(root, shots), s.browser(root, shots)
	alice.signIn("alice", "")
	reqPath := alice.ask("acme/payments", "write", "2h", "Deploy the hotfix", "")
	bob.signIn("bob", "")
	pages := map[*browserSession][]string{
		alice: {"/", "/requests/new", reqPath, "/repos/acme/payments", "/settings", "/repos"},
		bob:   {"/approvals", reqPath, "/admin/audit", "/admin/users", "/admin/grants", "/repos/acme/payments/tree", "/repos/acme/payments/blob?path=README.md", "/repos/acme/payments/commits"},
	}
	for _, scheme := range []string{"light", "dark"} {
		for who, paths := range pages {
			who.do(emulate(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}))
			for _, p := range paths {
				who.open(p, "main")
				var problems []string
				who.evalJSON(a11yCheck, &problems)
				if len(problems) > 0 {
					t.Errorf("%s %s:\n  %s", scheme, p, strings.Join(problems, "\n  "))
				}
			}
		}
	}
	stranger := s.browser(root, shots)
	for _, scheme := range []string{"light", "dark"} {
		stranger.do(emulate(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}))
		stranger.open("/signin", "main")
		var problems []string
		stranger.evalJSON(a11yCheck, &problems)
		if len(problems) > 0 {
			t.Errorf("%s /signin:\n  %s", scheme, strings.Join(problems, "\n  "))
		}
	}
	bob.shot("22-code-log-dark")
	// A request form with an error: the named field is marked and has the
	// focus.
	alice.do(emulate(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}))
	alice.open("/requests/new?repo=acme/payments", `form[action="/requests"]`)
	alice.do(chromedp.SendKeys(chromedp.CSS(`textarea[name="reason"]`), "x"),
		discard(chromedp.Evaluate[bool](`(() => { const s = document.querySelector("select[name=duration]"); s.insertAdjacentHTML("beforeend", "<option value=30d>30d</option>"); s.value = "30d"; return true; })()`)),
		chromedp.Click(chromedp.CSS(`form[action="/requests"] button`)), chromedp.WaitVisible(chromedp.CSS(`.error`)))
	if got := alice.attr(":focus", "name"); got != "duration" {
		t.Errorf("focus after the error is on %q, want duration", got)
	}
	if v, _ := chromedp.Run(alice.ctx, chromedp.Value(chromedp.CSS(`select[name="duration"]`))); v != "30d" {
		t.Errorf("the duration chosen became %q", v)
	}
	alice.shot("23-request-form-error")
	// The skip link comes first and leads into the main content.
	alice.open("/", "main")
	alice.do(chromedp.KeyEvent(kb.Tab))
	if got := alice.attr(":focus", "class"); got != "skip" {
		t.Fatalf("first tab stop is %q, want the skip link", got)
	}
	alice.do(chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab))
	inMain, err := chromedp.Run(alice.ctx, chromedp.Evaluate[bool](`document.activeElement.closest("main") !== null`))
	if err != nil || !inMain {
		t.Errorf("after the skip link the focus is not in the main content (%v)", err)
	}
}
