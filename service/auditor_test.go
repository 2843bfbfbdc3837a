package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// TestAuditorReadsAndChangesNothing: an auditor reads the trail, the
// report, users and grants, verifies and exports, and cannot ask for
// access, decide a request, grant, add a key or use Git, even with a grant.
func TestAuditorReadsAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "audra", Auditor: true}); err != nil {
		t.Fatal(err)
	}
	a := f.Who(t, "audra")
	if !a.Auditor {
		t.Fatal("the auditor's identity has no auditor flag")
	}
	g := f.Grant(t, "user:audra", "acme/payments", auth.LevelRead, time.Hour)
	if _, err := f.Svc.Events(ctx, a, service.EventFilter{}); err != nil {
		t.Errorf("events: %v", err)
	}
	if _, err := f.Svc.AccessReport(ctx, a, service.ReportFilter{Repo: "acme/payments"}); err != nil {
		t.Errorf("report: %v", err)
	}
	if _, err := f.Svc.VerifyAudit(ctx, a); err != nil {
		t.Errorf("verify: %v", err)
	}
	if _, err := f.Svc.ListUsers(ctx, a); err != nil {
		t.Errorf("users: %v", err)
	}
	if gs, err := f.Svc.ListGrants(ctx, a, service.GrantFilter{Repo: "acme/payments"}); err != nil || len(gs) == 0 {
		t.Errorf("grants: %d, %v", len(gs), err)
	}
	if d := f.Svc.Authorize(ctx, a, "acme/payments", auth.ActionRead); d.Allowed {
		t.Error("an auditor with a grant may read over Git")
	}
	r, err := f.Svc.CreateRequest(ctx, f.Who(t, "alice"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"request": func() error {
			_, err := f.Svc.CreateRequest(ctx, a, service.NewRequest{Repo: "acme/web", Level: auth.LevelRead, Duration: time.Hour, Reason: "x"})
			return err
		}(),
		"approve": func() error { _, err := f.Svc.ApproveRequest(ctx, a, r.ID, 0, ""); return err }(),
		"grant": func() error {
			_, err := f.Svc.AddGrant(ctx, a, service.NewGrant{Subject: "user:alice", Repo: "acme/web", Level: auth.LevelRead, Duration: time.Hour, Reason: "x"})
			return err
		}(),
		"revoke":     func() error { _, err := f.Svc.RevokeGrant(ctx, a, g.ID, ""); return err }(),
		"relinquish": func() error { _, err := f.Svc.RelinquishGrant(ctx, a, g.ID); return err }(),
		"user":       func() error { _, err := f.Svc.CreateUser(ctx, a, service.NewUser{Name: "zed"}); return err }(),
		"key":        func() error { _, err := f.Svc.AddKey(ctx, a, "audra", "ssh-ed25519 AAAA"); return err }(),
	} {
		if !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("%s by an auditor: %v, want forbidden", what, err)
		}
	}
}
