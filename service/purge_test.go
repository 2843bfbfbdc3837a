package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// countingPurger stands in for the files on disk, which the server's own
// tests and e2e/testdata/repo_purge.txtar purge for real.
type countingPurger struct{ calls []string }

func (p *countingPurger) Purge(_ context.Context, name string) (service.PurgeResult, error) {
	p.calls = append(p.calls, name)
	return service.PurgeResult{ObjectsBefore: 9, ObjectsAfter: 6}, nil
}

func TestPurgeRepoIsForAdminsAndAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The fixture holds acme/payments and alice already.
	if _, err := f.Svc.CreateRepo(ctx, f.Admin, "acme/payments", ""); err != nil && !errors.Is(err, auth.ErrExists) {
		t.Fatal(err)
	}
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "alice"}); err != nil && !errors.Is(err, auth.ErrExists) {
		t.Fatal(err)
	}
	alice := f.Who(t, "alice")
	f.Grant(t, "user:alice", "acme/payments", auth.LevelAdmin, time.Hour)
	p := &countingPurger{}
	if _, err := f.Svc.PurgeRepo(ctx, alice, "acme/payments", p); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a repository admin who is no server admin purged: %v", err)
	}
	if _, err := f.Svc.PurgeRepo(ctx, f.Admin, "acme/nothing", p); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("missing repository: %v", err)
	}
	if len(p.calls) != 0 {
		t.Fatalf("purged %q after refusals", p.calls)
	}
	res, err := f.Svc.PurgeRepo(ctx, f.Admin, "acme/payments", p)
	if err != nil || res.ObjectsBefore != 9 || res.ObjectsAfter != 6 {
		t.Fatalf("purge: %+v, %v", res, err)
	}
	evs, err := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "repo.purge"})
	if err != nil || len(evs) != 1 || evs[0].Repo != "acme/payments" || evs[0].Detail != "objects 9 -> 6" {
		t.Errorf("audit: %+v, %v", evs, err)
	}
}
