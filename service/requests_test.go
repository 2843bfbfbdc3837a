package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func (f *fixture) ask(t *testing.T, user, repo string, level auth.Level, d time.Duration) auth.Request {
	t.Helper()
	r, err := f.Svc.CreateRequest(context.Background(), f.Who(t, user), service.NewRequest{Repo: repo, Level: level, Duration: d, Reason: "INC-42 hotfix"})
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	return r
}

func newApprovers(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	for _, u := range []service.NewUser{{Name: "dave", Approver: true}, {Name: "erin", Groups: []string{"payments-leads"}}, {Name: "frank", Approver: true}} {
		if _, err := f.Svc.CreateUser(ctx, f.Admin, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Svc.SyncPolicies(ctx, "config", []auth.Policy{
		{ID: "leads-approve-payments", Subjects: []string{"group:payments-leads"}, Repos: []string{"acme/payments"}, Effect: auth.Allow, Approve: true},
		{ID: "web-needs-two", Subjects: []string{"anyone"}, Repos: []string{"acme/web"}, Effect: auth.Allow, Approvals: 2},
		{ID: "engineering-mirrors", Subjects: []string{"group:sre"}, Repos: []string{"mirrors/*"}, Effect: auth.Allow, AutoMax: time.Hour, AutoLevel: auth.LevelRead},
	}); err != nil {
		t.Fatal(err)
	}
}

func TestRequestApprovedMakesGrant(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	r := f.ask(t, "alice", "acme/payments", auth.LevelWrite, 2*time.Hour)
	if r.Status != auth.StatusPending || r.Needed != 1 {
		t.Fatalf("new request: %+v", r)
	}
	if f.Decide(t, "alice", "acme/payments", auth.ActionWrite).Allowed {
		t.Fatal("a pending request allows access")
	}
	f.Clock.Advance(10 * time.Minute)
	got, err := f.Svc.ApproveRequest(ctx, f.Who(t, "erin"), r.ID, time.Hour, "ok, one hour")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != auth.StatusApproved || got.Grant == "" {
		t.Fatalf("approved: %+v", got)
	}
	g, err := f.Svc.Grant(ctx, f.Admin, got.Grant)
	if err != nil {
		t.Fatal(err)
	}
	// The grant starts at approval and lasts the shortened duration.
	if !g.Starts.Equal(f.Clock.Now()) || g.Expires.Sub(g.Starts) != time.Hour || g.Request != r.ID || g.Origin != auth.OriginRequest {
		t.Fatalf("grant: %+v", g)
	}
	if !f.Decide(t, "alice", "acme/payments", auth.ActionWrite).Allowed {
		t.Fatal("approved request does not allow")
	}
	// A second decision on a decided request is a conflict and makes nothing.
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r.ID, 0, ""); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("approve twice: %v", err)
	}
	if _, err := f.Svc.DenyRequest(ctx, f.Who(t, "dave"), r.ID, "late"); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("deny after approve: %v", err)
	}
	if _, err := f.Svc.CancelRequest(ctx, f.Who(t, "alice"), r.ID); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("cancel after approve: %v", err)
	}
}

func TestRequestRefusals(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	r := f.ask(t, "erin", "acme/payments", auth.LevelRead, time.Hour)
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "erin"), r.ID, 0, ""); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("self-approval: %v", err)
	}
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "bob"), r.ID, 0, ""); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("approval by a non-approver: %v", err)
	}
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r.ID, 2*time.Hour, ""); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("approval lengthening the duration: %v", err)
	}
	if _, err := f.Svc.DenyRequest(ctx, f.Who(t, "dave"), r.ID, " "); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("deny without a reason: %v", err)
	}
	if _, err := f.Svc.CancelRequest(ctx, f.Who(t, "bob"), r.ID); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("cancel by another user: %v", err)
	}
	leads := f.ask(t, "alice", "acme/web", auth.LevelRead, time.Hour)
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "erin"), leads.ID, 0, ""); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("an approval policy for acme/payments approved acme/web: %v", err)
	}
	for _, bad := range []service.NewRequest{
		{Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour},                                                 // no reason
		{Repo: "acme/payments", Level: auth.LevelAdmin, Duration: time.Hour, Reason: "x"},                                   // admin is not requestable
		{Repo: "acme/payments", Level: auth.LevelRead, Duration: 8 * 24 * time.Hour, Reason: "x"},                           // beyond the longest
		{Repo: "acme/payments", Level: auth.LevelRead, Duration: -time.Minute, Reason: "x"},                                 // negative
		{Repo: "acme/../../etc", Level: auth.LevelRead, Duration: time.Hour, Reason: "x"},                                   // bad name
		{Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: strings.Repeat("x", 1001)},              // too long
		{Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "x", Ticket: "INC-1\nInjected: header"}, // two lines
	} {
		if _, err := f.Svc.CreateRequest(ctx, f.Who(t, "alice"), bad); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("request %+v: err = %v, want invalid", bad, err)
		}
	}
	if _, err := f.Svc.CreateRequest(ctx, auth.Identity{}, service.NewRequest{Repo: "acme/payments", Level: auth.LevelRead, Reason: "x"}); err == nil {
		t.Error("anonymous request accepted")
	}
	denied, err := f.Svc.DenyRequest(ctx, f.Who(t, "dave"), r.ID, "use the read replica")
	if err != nil || denied.Status != auth.StatusDenied || denied.DenyNote != "use the read replica" {
		t.Fatalf("deny: %+v %v", denied, err)
	}
	c := f.ask(t, "alice", "acme/payments", auth.LevelRead, time.Hour)
	if got, err := f.Svc.CancelRequest(ctx, f.Who(t, "alice"), c.ID); err != nil || got.Status != auth.StatusCancelled {
		t.Fatalf("cancel: %+v %v", got, err)
	}
}

func TestRequestNeedsTwoDistinctApprovers(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	r := f.ask(t, "alice", "acme/web", auth.LevelWrite, time.Hour)
	if r.Needed != 2 {
		t.Fatalf("needed = %d, want 2", r.Needed)
	}
	one, err := f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r.ID, 0, "")
	if err != nil || one.Status != auth.StatusPending || one.Grant != "" {
		t.Fatalf("after one approval: %+v %v", one, err)
	}
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r.ID, 0, ""); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("the same approver twice: %v", err)
	}
	if f.Decide(t, "alice", "acme/web", auth.ActionWrite).Allowed {
		t.Fatal("access after one of two approvals")
	}
	two, err := f.Svc.ApproveRequest(ctx, f.Who(t, "frank"), r.ID, 0, "")
	if err != nil || two.Status != auth.StatusApproved || two.Grant == "" {
		t.Fatalf("after two approvals: %+v %v", two, err)
	}
}

func TestAutoApproval(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	r := f.ask(t, "bob", "mirrors/linux", auth.LevelRead, 30*time.Minute)
	if r.Status != auth.StatusApproved || r.AutoRule != "engineering-mirrors" || r.Grant == "" {
		t.Fatalf("auto-approval: %+v", r)
	}
	if !f.Decide(t, "bob", "mirrors/linux", auth.ActionRead).Allowed {
		t.Fatal("auto-approved request does not allow")
	}
	// A repository needing two approvers is never auto-approved.
	if err := f.Svc.SyncPolicies(context.Background(), "extra", []auth.Policy{
		{ID: "sre-web-auto", Subjects: []string{"group:sre"}, Repos: []string{"acme/web"}, Effect: auth.Allow, AutoMax: time.Hour, AutoLevel: auth.LevelRead},
	}); err != nil {
		t.Fatal(err)
	}
	if r := f.ask(t, "bob", "acme/web", auth.LevelRead, time.Minute); r.Status != auth.StatusPending {
		t.Errorf("a request for a two-approver repository was auto-approved: %+v", r)
	}
	// Beyond the rule's limits the request waits for a person.
	for _, c := range []struct {
		user  string
		level auth.Level
		d     time.Duration
	}{{"bob", auth.LevelRead, 2 * time.Hour}, {"bob", auth.LevelWrite, time.Minute}, {"alice", auth.LevelRead, time.Minute}} {
		if r := f.ask(t, c.user, "mirrors/linux", c.level, c.d); r.Status != auth.StatusPending {
			t.Errorf("%+v was auto-approved", c)
		}
	}
}

func TestPendingRequestsExpire(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	r := f.ask(t, "alice", "acme/payments", auth.LevelRead, time.Hour)
	f.Clock.Advance(23 * time.Hour)
	if n, err := f.Svc.ExpireRequests(ctx); err != nil || n != 0 {
		t.Fatalf("expired %d early (%v)", n, err)
	}
	f.Clock.Advance(time.Hour)
	// Even before the sweeper runs, a lapsed request cannot be approved.
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r.ID, 0, ""); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("approving a lapsed request: %v", err)
	}
	if n, err := f.Svc.ExpireRequests(ctx); err != nil || n != 1 {
		t.Fatalf("expired %d (%v), want 1", n, err)
	}
	got, _ := f.Svc.Request(ctx, f.Who(t, "alice"), r.ID)
	if got.Status != auth.StatusExpired {
		t.Fatalf("status %s", got.Status)
	}
}

func TestExtensionMovesTheEnd(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	first := f.ask(t, "alice", "acme/payments", auth.LevelWrite, time.Hour)
	first, _ = f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), first.ID, 0, "")
	f.Clock.Advance(50 * time.Minute)
	ext, err := f.Svc.CreateRequest(ctx, f.Who(t, "alice"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelWrite, Duration: 2 * time.Hour, Reason: "need more time", Extends: first.Grant})
	if err != nil {
		t.Fatal(err)
	}
	ext, err = f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), ext.ID, 0, "")
	if err != nil || ext.Grant != first.Grant {
		t.Fatalf("extension: %+v %v", ext, err)
	}
	g, _ := f.Svc.Grant(ctx, f.Admin, first.Grant)
	// now + 2h: no gap, and not stacked on the old end (which would be +3h).
	if want := f.Clock.Now().Add(2 * time.Hour); !g.Expires.Equal(want) {
		t.Fatalf("expires %s, want %s", g.Expires, want)
	}
	gs, _ := f.Svc.ListGrants(ctx, f.Admin, service.GrantFilter{User: "alice", All: true})
	if len(gs) != 1 {
		t.Fatalf("extension made %d grants, want 1", len(gs))
	}
	if _, err := f.Svc.CreateRequest(ctx, f.Who(t, "bob"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelWrite, Reason: "x", Extends: first.Grant}); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("extending someone else's grant: %v", err)
	}
}

func TestConcurrentApprovalsMakeOneGrant(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	r := f.ask(t, "alice", "acme/payments", auth.LevelRead, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflict := 0, 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.Svc.ApproveRequest(ctx, f.Who(t, "dave"), r.ID, 0, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, auth.ErrConflict):
				conflict++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || conflict != 19 {
		t.Fatalf("ok=%d conflict=%d, want 1 and 19", ok, conflict)
	}
	gs, _ := f.Svc.ListGrants(ctx, f.Admin, service.GrantFilter{All: true})
	evs, _ := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "request.approve"})
	if len(gs) != 1 || len(evs) != 1 {
		t.Fatalf("%d grants and %d approval events, want 1 and 1", len(gs), len(evs))
	}
}

func TestRelinquish(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.Grant(t, "user:alice", "acme/payments", auth.LevelWrite, time.Hour)
	if _, err := f.Svc.RelinquishGrant(ctx, f.Who(t, "bob"), g.ID); err == nil {
		t.Fatal("bob relinquished alice's grant")
	}
	if _, err := f.Svc.RelinquishGrant(ctx, f.Who(t, "alice"), g.ID); err != nil {
		t.Fatal(err)
	}
	if f.Decide(t, "alice", "acme/payments", auth.ActionRead).Allowed {
		t.Fatal("relinquished grant still allows")
	}
}

func TestNoDuplicateOrFloodOfPendingRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := f.ask(t, "alice", "acme/payments", auth.LevelWrite, time.Hour)
	_, err := f.Svc.CreateRequest(ctx, f.Who(t, "alice"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelWrite, Reason: "again"})
	if !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), first.ID) {
		t.Fatalf("a duplicate pending request: %v", err)
	}
	// Asking for a different level, or another user asking, is fine.
	f.ask(t, "alice", "acme/payments", auth.LevelRead, time.Hour)
	f.ask(t, "bob", "acme/payments", auth.LevelWrite, time.Hour)
	for i := 2; i < 10; i++ {
		f.ask(t, "alice", fmt.Sprintf("acme/r%d", i), auth.LevelRead, time.Hour)
	}
	if _, err := f.Svc.CreateRequest(ctx, f.Who(t, "alice"), service.NewRequest{Repo: "acme/one-more", Level: auth.LevelRead, Reason: "x"}); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("an eleventh pending request: %v", err)
	}
	// A cancelled request frees its place.
	if _, err := f.Svc.CancelRequest(ctx, f.Who(t, "alice"), first.ID); err != nil {
		t.Fatal(err)
	}
	f.ask(t, "alice", "acme/payments", auth.LevelWrite, time.Hour)
}

func TestPendingRequestsForOtherRefsAreNotDuplicates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ask := func(ref string, allow auth.Changes) (auth.Request, error) {
		return f.Svc.CreateRequest(ctx, f.Who(t, "alice"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelWrite, Ref: ref, Allow: allow, Reason: "INC-42 hotfix"})
	}
	whole, err := ask("", 0)
	if err != nil {
		t.Fatal(err)
	}
	main, err := ask("refs/heads/main", 0)
	if err != nil {
		t.Fatalf("write on refs/heads/main beside write on the whole repository: %v", err)
	}
	if _, err := ask("refs/heads/main", auth.ChangeForce); err != nil {
		t.Fatalf("write on refs/heads/main allowing force beside one without: %v", err)
	}
	if _, err := ask("refs/heads/hotfix/*", 0); err != nil {
		t.Fatalf("write on refs/heads/hotfix/* beside refs/heads/main: %v", err)
	}
	_, err = ask("refs/heads/main", 0)
	if !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), main.ID) || !strings.Contains(err.Error(), "write refs/heads/main on acme/payments") {
		t.Fatalf("the same ref again: %v", err)
	}
	_, err = ask("refs/heads/main", auth.ChangeForce)
	if !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), "write refs/heads/main (allows force) on acme/payments") {
		t.Fatalf("the same ref and allowance again: %v", err)
	}
	if _, err := ask("", 0); !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), whole.ID) {
		t.Fatalf("the whole repository again: %v", err)
	}
}

func TestExtensionKeepsTheGrantsRefs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelWrite,
		Ref: "refs/heads/hotfix/*", Allow: auth.ChangeForce, Duration: time.Hour, Reason: "INC-9"})
	if err != nil {
		t.Fatal(err)
	}
	extend := func(ref string, allow auth.Changes) (auth.Request, error) {
		return f.Svc.CreateRequest(ctx, f.Who(t, "alice"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelWrite, Ref: ref, Allow: allow, Reason: "still on it", Extends: g.ID})
	}
	if _, err := extend("refs/heads/main", auth.ChangeForce); !errors.Is(err, auth.ErrInvalid) || !strings.Contains(err.Error(), "keeps the refs of grant "+g.ID+" (refs/heads/hotfix/* (allows force))") {
		t.Fatalf("an extension naming other refs: %v", err)
	}
	if _, err := extend("refs/heads/hotfix/*", auth.ChangeForce|auth.ChangeDelete); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("an extension with another allowance: %v", err)
	}
	r, err := extend("", 0)
	if err != nil || r.Ref != "refs/heads/hotfix/*" || r.Allow != auth.ChangeForce {
		t.Fatalf("an extension naming no refs takes the grant's: %+v %v", r, err)
	}
}
