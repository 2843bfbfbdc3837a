package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/redact"
	"github.com/jitgit/jitgit/service"
)

func TestValidateUpstream(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", 2100)
	cases := []struct {
		url        string
		allowLocal bool
		why        string // "" means valid
	}{
		{"https://github.com/acme/infra.git", false, ""},
		{"http://git.example.com/x", false, ""},
		{"ssh://git.example.com:2222/acme/infra.git", false, ""},
		{"ssh://git@git.example.com/acme/infra.git", false, ""},
		{"git://git.example.com/acme/infra.git", false, ""},
		{"https://bot:s3cret@git.example.com/acme/infra.git", false, ""},
		{"file:///srv/up.git", true, ""},
		{"", false, "required"},
		{long, false, "longer than"},
		{"-uhttps://example.com/x", false, "start with '-'"},
		{"https://example.com/x\n", false, "control bytes"},
		{"https://example.com/x\x00y", false, "control bytes"},
		{"https://example.com/a b", false, "control bytes or spaces"},
		{"ext::sh -c touch% /tmp/pwned", false, "transport helpers"},
		{"ext::sh", false, "transport helpers"},
		{"fd::3", false, "transport helpers"},
		{"https::example.com/x", false, "transport helpers"},
		{"git@github.com:acme/infra.git", false, "scp-like"},
		{"/srv/up.git", false, "local paths"},
		{"/srv/up.git", true, "local paths"},
		{"../up.git", true, "local paths"},
		{"file:///srv/up.git", false, "allow_local"},
		{"file://otherhost/srv/up.git", true, "no host"},
		{"ftp://example.com/x.git", false, "scheme must be"},
		{"HTTPS://example.com/x.git", false, "scheme must be"},
		{"ssh://-oProxyCommand=x/y", false, "host name"},
		{"https:///x.git", false, "host name"},
		{"https://example.com", false, "repository path"},
		{"https://example.com/", false, "repository path"},
		{"ssh://git:pw@example.com/x.git", false, "only accepted in http(s)"},
		{"ssh://-oProxyCommand@example.com/x.git", false, "ssh user name"},
		{"git://user@example.com/x.git", false, "only accepted in http(s)"},
		{"git://user:pw@example.com/x.git", false, "only accepted in http(s)"},
		{"file://u@localhost/srv/up.git", true, "only accepted in http(s)"},
	}
	for _, c := range cases {
		err := service.ValidateUpstream(c.url, c.allowLocal)
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%q: %v, want valid", c.url, err)
		case c.why != "" && err == nil:
			t.Errorf("%q: valid, want an error saying %q", c.url, c.why)
		case c.why != "" && (!errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), c.why)):
			t.Errorf("%q: %v, want ErrInvalid saying %q", c.url, err, c.why)
		}
	}
	// The error shows the URL without its password.
	err := service.ValidateUpstream("ftp://bot:s3cret@example.com/x", false)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "bot:***@") {
		t.Errorf("error leaks or hides too much: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://bot:s3cret@example.com/x.git":      "https://bot:***@example.com/x.git",
		"https://bot:s3:cr@t@example.com/x.git":     "https://bot:***@example.com/x.git",
		"https://ghp_token123@example.com/x.git":    "https://***@example.com/x.git",
		"https://example.com/x@y.git":               "https://example.com/x@y.git",
		"https://example.com/a?u=b:c@d":             "https://example.com/a?u=b:c@d",
		"ssh://git@example.com:22/x.git":            "ssh://git@example.com:22/x.git",
		"http://:tok@example.com/x":                 "http://:***@example.com/x",
		"not a url":                                 "not a url",
		"https://bot:p%40ss@example.com:8443/x.git": "https://bot:***@example.com:8443/x.git",
	} {
		if got := redact.URL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSyncDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		r   auth.Repo
		due bool
	}{
		{auth.Repo{}, false},
		{auth.Repo{Mirror: "https://e.com/x"}, true},
		// Never fetched: its creation fetches it; the scheduler a minute later.
		{auth.Repo{Mirror: "https://e.com/x", Created: now.Add(-30 * time.Second)}, false},
		{auth.Repo{Mirror: "https://e.com/x", Created: now.Add(-time.Minute)}, true},
		{auth.Repo{Mirror: "https://e.com/x", Paused: true}, false},
		{auth.Repo{Mirror: "https://e.com/x", LastSync: now.Add(-59 * time.Minute), SyncResult: "ok"}, false},
		{auth.Repo{Mirror: "https://e.com/x", LastSync: now.Add(-time.Hour), SyncResult: "ok"}, true},
		{auth.Repo{Mirror: "https://e.com/x", Every: 2 * time.Hour, LastSync: now.Add(-time.Hour), SyncResult: "ok"}, false},
		{auth.Repo{Mirror: "https://e.com/x", Every: 2 * time.Hour, LastSync: now.Add(-10 * time.Minute), SyncResult: "error"}, true},
		{auth.Repo{Mirror: "https://e.com/x", Every: time.Minute, LastSync: now.Add(-30 * time.Second), SyncResult: "error"}, false},
	}
	for i, c := range cases {
		if got := c.r.SyncDue(now); got != c.due {
			t.Errorf("case %d: due %v, want %v", i, got, c.due)
		}
	}
}

// fetcher is a MirrorFetcher that answers from its fields.
type fetcher struct {
	updated   int
	rewritten int
	hostKeys  string // learnt, when asked to
	err       error
	calls     []string
	jobs      []service.FetchJob
	discarded []string
}

func (f *fetcher) Fetch(_ context.Context, job service.FetchJob) (service.FetchResult, error) {
	f.calls = append(f.calls, job.Name+" "+job.Upstream)
	if job.Credential != nil {
		c := *job.Credential
		c.Secret = append([]byte(nil), c.Secret...) // the service wipes its copy
		job.Credential = &c
	}
	f.jobs = append(f.jobs, job)
	res := service.FetchResult{Updated: f.updated, Rewritten: f.rewritten, Duration: time.Second}
	if job.LearnHostKeys {
		res.HostKeys = f.hostKeys
	}
	return res, f.err
}

func (f *fetcher) Discard(_ context.Context, name string) error {
	f.discarded = append(f.discarded, name)
	return nil
}

func TestCreateAndSyncMirror(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const up = "https://bot:s3cret@git.example.com/acme/infra.git"
	fe := &fetcher{updated: 3}

	if _, err := f.Svc.CreateMirror(ctx, f.Who(t, "alice"), service.NewMirror{Name: "mirrors/infra", Upstream: up}, fe); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("non-admin: %v", err)
	}
	for _, every := range []time.Duration{30 * time.Second, 8 * 24 * time.Hour} {
		if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/infra", Upstream: up, Every: every}, fe); !errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("every %s: %v", every, err)
		}
	}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/infra", Upstream: "file:///srv/x.git"}, fe); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("file:// without allow_local: %v", err)
	}

	r, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/infra", Upstream: up}, fe)
	if err != nil {
		t.Fatal(err)
	}
	if len(fe.calls) != 1 || fe.calls[0] != "mirrors/infra "+up {
		t.Fatalf("fetcher calls %q: the fetch needs the real URL", fe.calls)
	}
	if r.Mirror != "https://bot:***@git.example.com/acme/infra.git" || r.Every != time.Hour || r.SyncResult != "ok" || r.SyncUpdated != 3 || r.LastSync.IsZero() {
		t.Fatalf("created %+v", r)
	}
	// Stored with its password, shown without.
	if stored, _ := f.DB.GetRepo(ctx, "mirrors/infra"); stored.Mirror != up {
		t.Fatalf("stored upstream %q", stored.Mirror)
	}
	for _, who := range []auth.Identity{f.Admin} {
		rs, err := f.Svc.ListRepos(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range rs {
			if strings.Contains(x.Mirror, "s3cret") {
				t.Fatalf("list shows the password: %+v", x)
			}
		}
	}
	f.Grant(t, "user:alice", "mirrors/infra", auth.LevelWrite, time.Hour)
	if d := f.Decide(t, "alice", "mirrors/infra", auth.ActionWrite); d.Allowed || strings.Contains(d.Reason, "s3cret") || !strings.Contains(d.Reason, "read-only mirror") {
		t.Fatalf("push decision: %+v", d)
	}

	// A failing fetch is recorded, with the password taken out of git's words.
	fe.err = fmt.Errorf("git fetch: exit status 128: fatal: unable to access '%s': auth failed for s3cret", up)
	r, err = f.Svc.SyncMirror(ctx, f.Admin, "mirrors/infra", fe)
	if !errors.Is(err, auth.ErrUpstream) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("failed sync: %v", err)
	}
	if r.SyncResult != "error" || strings.Contains(r.SyncError, "s3cret") || !strings.Contains(r.SyncError, "bot:***@") {
		t.Fatalf("recorded %+v", r)
	}
	// A busy mirror records nothing.
	fe.err = fmt.Errorf("busy: %w", auth.ErrConflict)
	if _, err := f.Svc.SyncMirror(ctx, f.Admin, "mirrors/infra", fe); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("busy: %v", err)
	}
	if _, err := f.Svc.SyncMirror(ctx, f.Admin, "acme/web", fe); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("sync of no mirror: %v", err)
	}
	if _, err := f.Svc.SyncMirror(ctx, f.Who(t, "alice"), "mirrors/infra", fe); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("sync by non-admin: %v", err)
	}

	evs, err := f.Svc.Events(ctx, f.Admin, service.EventFilter{Repo: "mirrors/infra"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if strings.Contains(e.Detail, "s3cret") {
			t.Errorf("audit leaks the password: %+v", e)
		}
		if e.Action == "repo.create" || e.Action == "repo.sync" {
			got = append(got, e.Action+" "+e.Result+" "+e.Detail)
		}
	}
	if len(got) != 3 || !strings.HasPrefix(got[0], "repo.create ok mirror of https://bot:***@") ||
		got[1] != "repo.sync ok 3 refs updated" || !strings.HasPrefix(got[2], "repo.sync error ") {
		t.Fatalf("audit: %q", got)
	}
}

func TestCreateMirrorKeepsFailedFirstFetch(t *testing.T) {
	f := newFixture(t)
	r, err := f.Svc.CreateMirror(context.Background(), f.Admin,
		service.NewMirror{Name: "mirrors/down", Upstream: "https://example.invalid/x.git", Every: 5 * time.Minute},
		&fetcher{err: errors.New("could not resolve host")})
	if err != nil {
		t.Fatalf("a failed first fetch must not fail the create: %v", err)
	}
	if r.SyncResult != "error" || !strings.Contains(r.SyncError, "could not resolve host") || r.Every != 5*time.Minute {
		t.Fatalf("created %+v", r)
	}
	if !r.SyncDue(r.LastSync.Add(5 * time.Minute)) {
		t.Fatal("a failed mirror is not retried")
	}
}
