package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
)

// TestAccessReportPolicyBeforeTrail: policies a data directory held
// before the trail recorded policy events have no policy.add. One that
// stays the same and one changed later by the config are still in the
// report, from the trail's first event and marked as having begun before.
func TestAccessReportPolicyBeforeTrail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t0 := f.Clock.Now()
	old := []auth.Policy{
		{ID: "legacy-read", Description: "from before", Subjects: []string{"user:alice"}, Repos: []string{"acme/payments"}, Effect: auth.Allow, Level: auth.LevelRead, Source: "config"},
		{ID: "legacy-write", Subjects: []string{"group:sre"}, Repos: []string{"acme/*"}, Effect: auth.Allow, Level: auth.LevelWrite, Source: "config"},
	}
	// Written to the store with no event, as an older server left them.
	if err := f.DB.Update(ctx, func(tx storage.Tx) error {
		for _, p := range old {
			if err := tx.Policies().Put(p); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(t0.Add(48 * time.Hour))
	changed := old[1]
	changed.Level = auth.LevelRead
	if err := f.Svc.SyncPolicies(ctx, "config", []auth.Policy{old[0], changed}); err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(t0.Add(72 * time.Hour))
	got, err := f.Svc.AccessReport(ctx, f.Admin, service.ReportFilter{Repo: "acme/payments"})
	if err != nil {
		t.Fatal(err)
	}
	want := `alice policy:legacy-read - acme/payments read d00+00:00→open ended="" reason="from before" ticket="" approved=0 denied=0
bob policy:legacy-write sre acme/* write d00+00:00→d02+00:00 ended="policy changed" reason="" ticket="" approved=0 denied=0
bob policy:legacy-write sre acme/* read d02+00:00→open ended="" reason="" ticket="" approved=0 denied=0
`
	if g := reportTable(got, t0); g != want {
		t.Errorf("report:\n%s\nwant:\n%s", g, want)
	}
	for _, iv := range got {
		if before := !iv.From.After(t0); iv.Before != before {
			t.Errorf("%s %s from %s: Before = %v, want %v", iv.Subject, iv.Policy, iv.From, iv.Before, before)
		}
	}
}
