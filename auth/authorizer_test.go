package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// fixture is the real use cases over a real in-memory store.
type fixture struct{ *servicetest.Fixture }

func newFixture(t *testing.T) *fixture { return &fixture{servicetest.New(t)} }

func TestDecisionTable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	aliceRead := f.Grant(t, "user:alice", "acme/payments", auth.LevelRead, time.Hour)
	f.Grant(t, "user:alice", "acme/web", auth.LevelWrite, time.Hour)
	f.Grant(t, "group:sre", "acme/*", auth.LevelWrite, time.Hour)
	f.Grant(t, "user:carol", "acme/payments", auth.LevelAdmin, time.Hour)
	if err := f.Svc.SyncPolicies(ctx, "config", []auth.Policy{
		{ID: "public-read", Subjects: []string{"anyone"}, Repos: []string{"public/*"}, Effect: auth.Allow, Level: auth.LevelRead},
		{ID: "users-read-mirrors", Subjects: []string{"users"}, Repos: []string{"mirrors/*"}, Effect: auth.Allow, Level: auth.LevelRead},
		{ID: "no-sre-web-write", Subjects: []string{"group:sre"}, Repos: []string{"acme/web"}, Effect: auth.Deny, Level: auth.LevelWrite, Description: "web is frozen for SRE"},
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		user, repo string
		action     auth.Action
		allowed    bool
		why        string
	}{
		{"alice", "acme/payments", auth.ActionRead, true, aliceRead.ID},
		{"alice", "acme/payments", auth.ActionWrite, false, "alice has read access to acme/payments but no active grant to write it"},
		{"alice", "acme/web", auth.ActionRead, true, "write on acme/web"},          // write implies read
		{"alice", "acme/web", auth.ActionAdmin, false, "no active grant to admin"}, // but not admin
		{"alice", "acme-other/x", auth.ActionRead, false, "alice has no active grant to read acme-other/x"},
		{"bob", "acme/payments", auth.ActionWrite, true, "group:sre"},      // group grant, owner/*
		{"bob", "acme-other/x", auth.ActionRead, false, "no active grant"}, // acme/* is not acme-other/*
		{"bob", "acme/web", auth.ActionWrite, false, "policy no-sre-web-write forbids write access to acme/web for bob: web is frozen for SRE"},
		{"bob", "acme/web", auth.ActionRead, true, "group:sre"}, // the write deny leaves read alone
		{"carol", "acme/payments", auth.ActionWrite, true, "admin on acme/payments"},
		{"carol", "acme/web", auth.ActionRead, false, "no active grant"},
		{"", "public/docs", auth.ActionRead, true, "policy public-read"},
		{"", "public/docs", auth.ActionWrite, false, "anonymous write access to public/docs is not allowed"},
		{"", "acme/payments", auth.ActionRead, false, "anonymous read access"},
		{"alice", "public/docs", auth.ActionRead, true, "policy public-read"},
		{"alice", "mirrors/linux", auth.ActionRead, true, "policy users-read-mirrors"},
		{"", "mirrors/linux", auth.ActionRead, false, "anonymous"},
		{"alice", "../etc/passwd", auth.ActionRead, false, "not a repository name"},
		{"alice", "ACME/payments", auth.ActionRead, false, "not a repository name"},
		{"alice", "acme/payments", auth.Action{}, false, "not an access level"},
	}
	if d := f.Decide(t, "bob", "acme/web", auth.ActionWrite); !d.Final {
		t.Error("a deny policy's answer is not final: the deny message would send bob to ask for a grant that cannot help")
	}
	if d := f.Decide(t, "alice", "acme/payments", auth.ActionWrite); d.Final {
		t.Error("a missing grant is final: alice would not be told where to ask")
	}
	for _, c := range cases {
		d := f.Decide(t, c.user, c.repo, c.action)
		if d.Allowed != c.allowed || !strings.Contains(d.Reason, c.why) {
			t.Errorf("%s %s %s: allowed=%v reason=%q; want allowed=%v reason containing %q", c.user, c.action, c.repo, d.Allowed, d.Reason, c.allowed, c.why)
		}
	}
}

func TestGrantWindowEdges(t *testing.T) {
	f := newFixture(t)
	start := f.Clock.Now()
	g := f.Grant(t, "user:alice", "acme/payments", auth.LevelWrite, 2*time.Hour)
	for _, c := range []struct {
		at      time.Time
		allowed bool
	}{
		{start.Add(-time.Nanosecond), false}, // before it starts
		{start, true},
		{g.Expires.Add(-time.Nanosecond), true},
		{g.Expires, false}, // the window is half-open
		{g.Expires.Add(time.Hour), false},
	} {
		f.Clock.Set(c.at)
		d := f.Decide(t, "alice", "acme/payments", auth.ActionWrite)
		if d.Allowed != c.allowed {
			t.Errorf("at %s: allowed=%v, want %v (%s)", c.at.Sub(start), d.Allowed, c.allowed, d.Reason)
		}
		if d.Allowed && (d.Grant != g.ID || !d.Expires.Equal(g.Expires)) {
			t.Errorf("decided by %s until %s, want %s until %s", d.Grant, d.Expires, g.ID, g.Expires)
		}
	}
}

func TestRevokeTakesEffectAtOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.Grant(t, "user:alice", "acme/payments", auth.LevelWrite, time.Hour)
	if !f.Decide(t, "alice", "acme/payments", auth.ActionWrite).Allowed {
		t.Fatal("grant does not allow")
	}
	if _, err := f.Svc.RevokeGrant(ctx, f.Admin, g.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if d := f.Decide(t, "alice", "acme/payments", auth.ActionRead); d.Allowed {
		t.Fatalf("revoked grant still allows: %s", d.Reason)
	}
	if _, err := f.Svc.RevokeGrant(ctx, f.Admin, g.ID, "again"); err == nil {
		t.Fatal("revoking an ended grant twice succeeded")
	}
}

func TestLongestGrantWins(t *testing.T) {
	f := newFixture(t)
	f.Grant(t, "user:bob", "acme/payments", auth.LevelRead, time.Hour)
	long := f.Grant(t, "group:sre", "acme/*", auth.LevelRead, 3*time.Hour)
	if d := f.Decide(t, "bob", "acme/payments", auth.ActionRead); d.Grant != long.ID {
		t.Fatalf("decided by %s, want the longest grant %s", d.Grant, long.ID)
	}
}

func TestMirrorIsReadOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.DB.Update(ctx, func(tx storage.Tx) error {
		return tx.Repos().Create(auth.Repo{Name: "mirrors/upstream", Mirror: "https://example.invalid/up.git", Created: f.Clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	f.Grant(t, "user:alice", "mirrors/*", auth.LevelWrite, time.Hour)
	if !f.Decide(t, "alice", "mirrors/upstream", auth.ActionRead).Allowed {
		t.Fatal("mirror not readable with a grant")
	}
	if d := f.Decide(t, "alice", "mirrors/upstream", auth.ActionWrite); d.Allowed || !d.Final || !strings.Contains(d.Reason, "read-only mirror") {
		t.Fatalf("push to a mirror: %+v", d)
	}
}

// repoLookupFails is a store that cannot read repository records.
type repoLookupFails struct{ *badgerstore.DB }

func (repoLookupFails) GetRepo(context.Context, string) (auth.Repo, error) {
	return auth.Repo{}, errors.New("disk on fire")
}

// Whether a repository is a read-only mirror is part of a write decision,
// and whether it is archived part of every decision: when it cannot be
// read, the access is refused, not let through.
func TestMirrorCheckFailsClosed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.DB.Update(ctx, func(tx storage.Tx) error {
		return tx.Repos().Create(auth.Repo{Name: "mirrors/upstream", Mirror: "https://example.invalid/up.git", Created: f.Clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	f.Grant(t, "user:alice", "mirrors/*", auth.LevelWrite, time.Hour)
	authz := auth.NewAuthorizer(repoLookupFails{f.DB}, nil, f.Clock.Now)
	if d := authz.Decide(ctx, f.Who(t, "alice"), "mirrors/upstream", auth.ActionWrite); d.Allowed {
		t.Fatalf("write allowed although the repository record could not be read: %+v", d)
	}
	if d := authz.Decide(ctx, f.Who(t, "alice"), "mirrors/upstream", auth.ActionRead); d.Allowed {
		t.Fatalf("read allowed although the repository record (is it archived?) could not be read: %+v", d)
	}
}

func TestAuthorizeAuditsEveryDecision(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.Grant(t, "user:alice", "acme/payments", auth.LevelRead, time.Hour)
	who := f.Who(t, "alice")
	who.Remote, who.Transport = "192.0.2.7:5555", "http"
	f.Svc.Authorize(ctx, who, "acme/payments", auth.ActionRead)
	f.Svc.Authorize(ctx, who, "acme/payments", auth.ActionWrite)
	evs, err := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "access."})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d access events, want 2: %+v", len(evs), evs)
	}
	if e := evs[0]; e.Result != "allow" || e.Grant != g.ID || e.Actor != "alice" || e.Remote != "192.0.2.7:5555" || e.Transport != "http" || e.Repo != "acme/payments" {
		t.Errorf("allow event: %+v", e)
	}
	if e := evs[1]; e.Result != "deny" || e.Action != "access.write" || !strings.Contains(e.Detail, "no active grant to write") {
		t.Errorf("deny event: %+v", e)
	}
	if err := f.DB.Events().Verify(ctx); err != nil {
		t.Fatalf("audit chain: %v", err)
	}
}

func TestAuthorizeDeniesWhenAuditFails(t *testing.T) {
	f := newFixture(t)
	f.Grant(t, "user:alice", "acme/payments", auth.LevelRead, time.Hour)
	audit := audit.NewLog(f.DB.Events(), f.Clock.Now)
	audit.Close() // a closed log refuses every record
	authz := auth.NewAuthorizer(f.DB, audit, f.Clock.Now)
	if d := authz.Authorize(context.Background(), f.Who(t, "alice"), "acme/payments", auth.ActionRead); d.Allowed {
		t.Fatal("allowed an access that could not be audited")
	}
}

// stuckDisk is an audit store whose appends hang until released, as on a
// disk that stopped answering.
type stuckDisk struct {
	audit.Appender
	release chan struct{}
}

func (d stuckDisk) AppendEvents(ctx context.Context, evs []audit.Event) ([]audit.Event, error) {
	<-d.release
	return d.Appender.AppendEvents(ctx, evs)
}

// TestAuthorizeDeniesWhenAuditMissesItsDeadline: a hung audit write makes
// the access it records a refusal within the deadline, not a hang, and is
// counted; once the disk answers, decisions are allowed again.
func TestAuthorizeDeniesWhenAuditMissesItsDeadline(t *testing.T) {
	f := newFixture(t)
	f.Grant(t, "user:alice", "acme/payments", auth.LevelRead, time.Hour)
	disk := stuckDisk{Appender: f.DB.Events(), release: make(chan struct{})}
	log := audit.NewLog(disk, f.Clock.Now)
	log.SetDeadline(50 * time.Millisecond)
	defer log.Close()
	authz := auth.NewAuthorizer(f.DB, log, f.Clock.Now)
	done := make(chan auth.Decision, 1)
	go func() {
		done <- authz.Authorize(context.Background(), f.Who(t, "alice"), "acme/payments", auth.ActionRead)
	}()
	select {
	case d := <-done:
		if d.Allowed {
			t.Fatal("allowed an access whose audit event did not become durable")
		}
	case <-time.After(time.Minute):
		t.Fatal("the decision hangs with the audit write")
	}
	if n := log.Late(); n != 1 {
		t.Errorf("Late = %d, want 1", n)
	}
	close(disk.release)
	if d := authz.Authorize(context.Background(), f.Who(t, "alice"), "acme/payments", auth.ActionRead); !d.Allowed {
		t.Fatalf("after the disk answers: %+v", d)
	}
}

func TestGrantInputRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		ng   service.NewGrant
		want string
	}{
		{"unknown user", service.NewGrant{Subject: "user:mallory", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour}, "no user"},
		{"unknown repo", service.NewGrant{Subject: "user:alice", Repo: "acme/nope", Level: auth.LevelRead, Duration: time.Hour}, "no repository"},
		{"zero duration", service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead}, "duration"},
		{"negative", service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: -time.Hour}, "duration"},
		{"too long", service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: 8 * 24 * time.Hour}, "at most 7d"},
		{"no level", service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Duration: time.Hour}, "access level"},
		{"bad subject", service.NewGrant{Subject: "alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour}, "subject"},
		{"traversal", service.NewGrant{Subject: "user:alice", Repo: "acme/../x", Level: auth.LevelRead, Duration: time.Hour}, "repository"},
		{"control bytes in reason", service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "a\x1b[2Jb"}, "control"},
	} {
		_, err := f.Svc.AddGrant(ctx, f.Admin, c.ng)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
	gs, err := f.Svc.ListGrants(ctx, f.Admin, service.GrantFilter{All: true})
	if err != nil || len(gs) != 0 {
		t.Fatalf("refused grants left %d grants behind (err %v)", len(gs), err)
	}
	if _, err := f.Svc.AddGrant(ctx, auth.Identity{User: "alice"}, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelAdmin, Duration: time.Hour}); err == nil {
		t.Fatal("a non-admin granted herself access")
	}
}

func TestEventsWindowsAndPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	start := f.Clock.Now()
	base, err := f.Svc.Events(ctx, f.Admin, service.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	who := f.Who(t, "alice")
	for i := range 30 {
		f.Clock.Set(start.Add(time.Duration(i+1) * time.Hour))
		f.Svc.Authorize(ctx, who, "acme/payments", auth.ActionRead)
	}
	all, _ := f.Svc.Events(ctx, f.Admin, service.EventFilter{})
	if len(all) != len(base)+30 {
		t.Fatalf("%d events, want %d", len(all), len(base)+30)
	}
	newest, _ := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "access.", Limit: 5})
	if len(newest) != 5 || newest[4].Seq != all[len(all)-1].Seq || newest[0].Seq >= newest[4].Seq {
		t.Fatalf("newest 5, oldest first: %+v", newest)
	}
	window, _ := f.Svc.Events(ctx, f.Admin, service.EventFilter{Since: start.Add(25*time.Hour + time.Minute*30)})
	if len(window) != 5 {
		t.Fatalf("events in the last hours: %d, want 5", len(window))
	}
	var paged []audit.Event
	for after := uint64(0); ; {
		page, err := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "access.", After: after, Page: 7})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < 7 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(paged) != 30 {
		t.Fatalf("pages held %d access events, want 30", len(paged))
	}
}
