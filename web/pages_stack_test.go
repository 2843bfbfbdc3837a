package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// dirRepos is the RepoFiles of the page tests: a directory per repository.
type dirRepos struct{ root string }

func (d dirRepos) Stage(_ context.Context, name string) error {
	return os.MkdirAll(filepath.Join(d.root, name+".git"), 0o755)
}
func (d dirRepos) Publish(string) error { return nil }
func (d dirRepos) Discard(name string) error {
	return os.RemoveAll(filepath.Join(d.root, name+".git"))
}

// stack is a running web handler over an in-memory store.
type stack struct {
	t   testing.TB
	db  *badgerstore.DB
	svc *service.Service
	h   *Handler
	srv *httptest.Server
}

var socket = auth.LocalAdmin()

// overseer reads everything in checks: a named administrator.
var overseer = auth.Identity{User: "overseer", Admin: true, Method: "test"}

func newStack(t testing.TB, opts Options) *stack {
	t.Helper()
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now // the pages, the service and the trail share one clock
	}
	audit := audit.NewLog(db.Events(), now)
	if opts.RepoRoot == "" {
		opts.RepoRoot = t.TempDir()
	}
	svc := service.New(db, dirRepos{opts.RepoRoot}, audit, servicetest.Config(), now)
	if opts.Metrics != nil {
		audit.Watch(opts.Metrics.Record)
	}
	s := &stack{t: t, db: db, svc: svc}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	opts.Service = svc
	if opts.PublicURL == "" {
		opts.PublicURL = srv.URL
	}
	if opts.SSHURL == "" {
		opts.SSHURL = "ssh://git@127.0.0.1:2222"
	}
	s.h = New(opts)
	srv.Config.Handler = s.h
	s.srv = srv
	t.Cleanup(func() {
		srv.Close()
		audit.Close()
		_ = db.Close()
	})
	return s
}

// user adds a user whose password is the name followed by "-password".
func (s *stack) user(name string, approver, admin bool) {
	s.t.Helper()
	if _, err := s.svc.CreateUser(context.Background(), socket, service.NewUser{Name: name, Password: name + "-password", Approver: approver, Admin: admin}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *stack) repo(name string) {
	s.t.Helper()
	if _, err := s.svc.CreateRepo(context.Background(), socket, name, "test repository"); err != nil {
		s.t.Fatal(err)
	}
}

// client is one browser without JavaScript: a cookie jar that does not
// follow redirects.
type client struct {
	s    *stack
	http *http.Client
	mu   sync.Mutex // guards csrf: tests post from several goroutines
	csrf string
}

func (s *stack) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{s: s, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the response with its body read.
func (c *client) do(req *http.Request) (*http.Response, string) {
	c.s.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.s.t.Fatal(err)
	}
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		c.mu.Lock()
		c.csrf = m[1]
		c.mu.Unlock()
	}
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.s.srv.URL+path, nil)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form with the CSRF token of the last page seen, unless the
// form carries its own csrf field.
func (c *client) post(path string, form url.Values, header ...string) (*http.Response, string) {
	c.s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		c.mu.Lock()
		form.Set("csrf", c.csrf)
		c.mu.Unlock()
	}
	req, err := http.NewRequest(http.MethodPost, c.s.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

// signIn signs in with the stack's password convention and loads the
// dashboard, so the client holds the session's CSRF token.
func (c *client) signIn(name string) {
	c.s.t.Helper()
	c.get("/signin")
	res, body := c.post("/signin", url.Values{"user": {name}, "password": {name + "-password"}})
	if res.StatusCode != http.StatusSeeOther {
		c.s.t.Fatalf("sign in %s: %d\n%s", name, res.StatusCode, body)
	}
	if res, _ := c.get("/"); res.StatusCode != http.StatusOK {
		c.s.t.Fatalf("dashboard after sign in: %d", res.StatusCode)
	}
}

// ask files a request through the form and returns its id.
func (c *client) ask(repo, access, duration, reason string) string {
	c.s.t.Helper()
	c.get("/requests/new")
	res, body := c.post("/requests", url.Values{"repo": {repo}, "access": {access}, "duration": {duration}, "reason": {reason}})
	if res.StatusCode != http.StatusSeeOther {
		c.s.t.Fatalf("request: %d\n%s", res.StatusCode, body)
	}
	loc := res.Header.Get("Location")
	id, _, _ := strings.Cut(strings.TrimPrefix(loc, "/requests/"), "?")
	if !strings.HasPrefix(id, "r_") {
		c.s.t.Fatalf("request redirect %q", loc)
	}
	return id
}

var authFilterAll = service.RequestFilter{}

var authGrantsAll = service.GrantFilter{All: true}

func authEvents(action string) service.EventFilter { return service.EventFilter{Action: action} }
