package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// TestNewestGrantsAcrossPages: the newest few of more grants than a page
// come out newest first, as the whole sorted list would begin.
func TestNewestGrantsAcrossPages(t *testing.T) {
	f := servicetest.New(t)
	ctx := context.Background()
	for i := range 1203 { // more than one page of the store
		if i%100 == 0 {
			f.Clock.Advance(time.Second)
		}
		f.Grant(t, "user:alice", "acme/web", auth.LevelRead, time.Hour)
	}
	all, err := f.Svc.ListGrants(ctx, f.Admin, service.GrantFilter{All: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Svc.NewestGrants(ctx, f.Admin, service.GrantFilter{All: true}, 150)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Fatalf("%d grants, want 150", len(got))
	}
	for i := range got {
		if got[i].ID != all[i].ID {
			t.Fatalf("grant %d is %s, the whole list has %s there", i, got[i].ID, all[i].ID)
		}
	}
}
