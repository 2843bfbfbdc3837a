package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// Archiving: only administrators, with a reason; a pending request can no
// longer be approved, a new one is refused, grants are kept; unarchiving
// gives the running grant back its access.
func TestArchiveRepo(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	g := f.Grant(t, "user:bob", "acme/payments", auth.LevelRead, time.Hour)
	pending := f.ask(t, "alice", "acme/payments", auth.LevelWrite, time.Hour)

	if _, err := f.Svc.ArchiveRepo(ctx, f.Who(t, "alice"), "acme/payments", "mine"); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("a non-admin archives: %v", err)
	}
	if _, err := f.Svc.ArchiveRepo(ctx, f.Admin, "acme/payments", " "); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := f.Svc.ArchiveRepo(ctx, f.Admin, "acme/nothing", "gone"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("a missing repository: %v", err)
	}
	r, err := f.Svc.ArchiveRepo(ctx, f.Admin, "acme/payments", "moved to acme/pay")
	if err != nil || !r.IsArchived() || r.ArchiveReason != "moved to acme/pay" {
		t.Fatalf("archive: %+v, %v", r, err)
	}
	if d := f.Decide(t, "bob", "acme/payments", auth.ActionRead); d.Allowed || !strings.Contains(d.Reason, "archived") {
		t.Fatalf("read of an archive: %+v", d)
	}
	if _, err := f.Svc.ApproveRequest(ctx, f.Who(t, "erin"), pending.ID, 0, ""); !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), "archived") {
		t.Fatalf("approving a request for an archive: %v", err)
	}
	if _, err := f.Svc.CreateRequest(ctx, f.Who(t, "carol"), service.NewRequest{Repo: "acme/payments", Level: auth.LevelRead, Reason: "look"}); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("a request for an archive: %v", err)
	}
	if _, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "user:carol", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour}); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("a grant on an archive: %v", err)
	}
	if _, err := f.Svc.UnarchiveRepo(ctx, f.Admin, "acme/payments"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.UnarchiveRepo(ctx, f.Admin, "acme/payments"); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("unarchive twice: %v", err)
	}
	if d := f.Decide(t, "bob", "acme/payments", auth.ActionRead); !d.Allowed || d.Grant != g.ID {
		t.Fatalf("after unarchive: %+v", d)
	}
	got := strings.Join(trail(t, f), "\n")
	if !strings.Contains(got, "repo.archive ok  no access at all; 1 running grants kept on the record: moved to acme/pay") || !strings.Contains(got, "repo.unarchive ok") {
		t.Fatalf("trail:\n%s", got)
	}
}

// An archived mirror is not fetched, by the schedule or by hand.
func TestArchivedMirrorIsNotFetched(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := &fetcher{}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/app", Upstream: "https://example.com/app.git"}, fe); err != nil {
		t.Fatal(err)
	}
	r, err := f.Svc.ArchiveRepo(ctx, f.Admin, "mirrors/app", "vendor gone")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.NextSync(); ok {
		t.Fatal("an archived mirror is due")
	}
	if _, err := f.Svc.SyncMirror(ctx, f.Admin, "mirrors/app", fe); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("sync of an archived mirror: %v", err)
	}
}
