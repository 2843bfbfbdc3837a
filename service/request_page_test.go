package service_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
)

// seedRequests stores n pending requests straight into the store, one a
// second apart, from requesters u0..u(n/10) (the service would refuse more
// than ten open requests per user).
func seedRequests(t *testing.T, db storage.Store, now time.Time, n int, repo func(i int) string) {
	seedRequestsFrom(t, db, now, "r_", n, repo)
}

func seedRequestsFrom(t *testing.T, db storage.Store, now time.Time, prefix string, n int, repo func(i int) string) {
	t.Helper()
	err := db.Update(context.Background(), func(tx storage.Tx) error {
		for i := range n {
			created := now.Add(time.Duration(i-n) * time.Second)
			r := auth.Request{ID: fmt.Sprintf("%s%05d", prefix, i), Requester: fmt.Sprintf("u%d", i/10), Repo: repo(i), Level: auth.Level(1 + i%2),
				Duration: time.Hour, Reason: fmt.Sprintf("reason %d", i), Status: auth.StatusPending, Created: created, Expires: created.Add(24 * time.Hour), Needed: 1}
			if err := tx.Requests().Create(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ids(items []service.RequestItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func TestRequestPagePagesFiltersAndSorts(t *testing.T) {
	f := newFixture(t)
	newApprovers(t, f)
	ctx := context.Background()
	seedRequests(t, f.DB, f.Clock.Now(), 60, func(i int) string {
		if i%3 == 0 {
			return "acme/payments"
		}
		return "acme/web"
	})
	dave := f.Who(t, "dave")

	// Newest first, 25 a page, pages do not overlap and cover all.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := f.Svc.RequestPage(ctx, dave, service.RequestPageFilter{Status: auth.StatusPending, After: cursor})
		if err != nil {
			t.Fatal(err)
		}
		if pages == 0 && p.Total != 60 {
			t.Fatalf("total %d", p.Total)
		}
		if pages == 0 && p.Items[0].ID != "r_00059" {
			t.Fatalf("first %s, want the newest", p.Items[0].ID)
		}
		seen = append(seen, ids(p.Items)...)
		// A request filed meanwhile does not shift the next page.
		if pages == 0 {
			seedRequestsFrom(t, f.DB, f.Clock.Now().Add(time.Hour), "r_new", 1, func(int) string { return "acme/new" })
		}
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	want := []string{}
	for i := 59; i >= 0; i-- {
		want = append(want, fmt.Sprintf("r_%05d", i))
	}
	if !slices.Equal(seen, want) {
		t.Fatalf("pages cover %v", seen)
	}

	p, err := f.Svc.RequestPage(ctx, dave, service.RequestPageFilter{Oldest: true, Limit: 3, Repo: "acme/payments", Level: auth.LevelRead})
	if err != nil {
		t.Fatal(err)
	}
	// acme/payments: i%3==0; read: i%2==0 → i%6==0.
	if got := ids(p.Items); !slices.Equal(got, []string{"r_00000", "r_00006", "r_00012"}) || p.Total != 10 {
		t.Fatalf("oldest filtered page %v (total %d)", got, p.Total)
	}
	p, _ = f.Svc.RequestPage(ctx, dave, service.RequestPageFilter{Search: "REASON 4", User: "u4"})
	if got := ids(p.Items); !slices.Equal(got, []string{"r_00049", "r_00048", "r_00047", "r_00046", "r_00045", "r_00044", "r_00043", "r_00042", "r_00041", "r_00040"}) {
		t.Fatalf("search %v", got)
	}
	// The new repository does not exist: flagged to the approver only.
	p, _ = f.Svc.RequestPage(ctx, dave, service.RequestPageFilter{Repo: "acme/new"})
	if len(p.Items) != 1 || !p.Items[0].RepoMissing || !p.Items[0].CanDecide {
		t.Fatalf("missing repository not flagged: %+v", p.Items)
	}
	// erin approves acme/payments only; alice approves nothing.
	p, _ = f.Svc.RequestPage(ctx, f.Who(t, "erin"), service.RequestPageFilter{})
	if p.Total != 20 {
		t.Fatalf("erin sees %d requests, want the 20 of acme/payments", p.Total)
	}
	p, _ = f.Svc.RequestPage(ctx, f.Who(t, "alice"), service.RequestPageFilter{})
	if p.Total != 0 {
		t.Fatalf("alice sees %d", p.Total)
	}
	// Once lapsed, a pending request shows as expired.
	f.Clock.Advance(24*time.Hour + 30*time.Minute)
	p, _ = f.Svc.RequestPage(ctx, dave, service.RequestPageFilter{Status: auth.StatusPending})
	if p.Total != 1 {
		t.Fatalf("%d still pending after a day", p.Total)
	}
	if _, err := f.Svc.RequestPage(ctx, dave, service.RequestPageFilter{After: "nonsense"}); err == nil {
		t.Fatal("a bad cursor is accepted")
	}
}
