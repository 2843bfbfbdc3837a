package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// TestWarnExpiringOncePerGrant: a grant within the lead of its end gets
// one grant.expiring event, however many sweeps run; one further away gets
// none until it is within the lead; an ended grant gets none.
func TestWarnExpiringOncePerGrant(t *testing.T) {
	f := servicetest.New(t)
	ctx := context.Background()
	soon := f.Grant(t, "user:alice", "acme/payments", auth.LevelWrite, 5*time.Minute)
	later := f.Grant(t, "user:bob", "acme/web", auth.LevelRead, time.Hour)
	gone := f.Grant(t, "user:carol", "acme/web", auth.LevelRead, time.Hour)
	if _, err := f.Svc.RevokeGrant(ctx, f.Admin, gone.ID, "done"); err != nil {
		t.Fatal(err)
	}
	warnings := func() []string {
		evs, err := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "grant.expiring"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.Grant)
			if e.Actor != "system" || e.Repo == "" || e.Detail == "" {
				t.Errorf("event %+v", e)
			}
		}
		return ids
	}
	for range 3 {
		if _, err := f.Svc.WarnExpiring(ctx); err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(time.Minute)
	}
	if got := warnings(); len(got) != 1 || got[0] != soon.ID {
		t.Fatalf("warnings %v, want only %s once", got, soon.ID)
	}
	f.Clock.Advance(50 * time.Minute) // later is 7 minutes from its end
	if n, err := f.Svc.WarnExpiring(ctx); err != nil || n != 1 {
		t.Fatalf("WarnExpiring = %d, %v; want 1 (bob's grant)", n, err)
	}
	if got := warnings(); len(got) != 2 || got[1] != later.ID {
		t.Fatalf("warnings %v, want %s then %s", got, soon.ID, later.ID)
	}
	if !f.Svc.EndingSoon(later.End(), f.Clock.Now()) || f.Svc.EndingSoon(later.End(), f.Clock.Now().Add(-time.Hour)) {
		t.Error("EndingSoon does not follow the lead")
	}
}
