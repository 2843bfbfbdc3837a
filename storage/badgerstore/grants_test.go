package badgerstore

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

func grantIDs(gs []auth.Grant) []string {
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestGrants(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	mk := func(id, subject string, created time.Time, expires time.Duration) auth.Grant {
		return auth.Grant{ID: id, Subject: subject, Repo: "acme/app", Level: auth.LevelRead,
			Starts: now.Add(-time.Hour), Expires: now.Add(expires), Origin: auth.OriginAdmin,
			Created: created}
	}
	grants := []auth.Grant{
		mk("g1", "user:alice", t0, time.Hour),
		mk("g2", "group:sre", t0.Add(time.Minute), time.Hour),
		mk("g3", "anyone", t0.Add(2*time.Minute), time.Hour),
		mk("g4", "user:alicia", t0.Add(3*time.Minute), time.Hour),    // shares a prefix with alice
		mk("g5", "user:alice", t0.Add(4*time.Minute), -time.Minute),  // expired
		mk("g6", "user:alice", t0.Add(5*time.Minute), -72*time.Hour), // long expired: index entry gone
		mk("g7", "user:bob", t0.Add(6*time.Minute), time.Hour),
	}
	for _, g := range grants {
		if err := db.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, db.CreateGrant(ctx, mk("g1", "user:x", t0, time.Hour)), auth.ErrExists)
	wantErr(t, db.CreateGrant(ctx, mk("g9", "user:a/b", t0, time.Hour)), auth.ErrInvalid)

	got, err := db.GetGrant(ctx, "g2")
	if err != nil || !reflect.DeepEqual(got, grants[1]) {
		t.Fatalf("GetGrant = %+v, %v", got, err)
	}
	_, err = db.GetGrant(ctx, "nope")
	wantErr(t, err, auth.ErrNotFound)

	gs, err := db.GrantsFor(ctx, []string{"user:alice", "group:sre", "anyone", "user:alice"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if ids, want := grantIDs(gs), []string{"g1", "g2", "g3"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("GrantsFor = %v, want %v", ids, want)
	}
	// Asked for an earlier time, the recently expired grant is back.
	gs, _ = db.GrantsFor(ctx, []string{"user:alice"}, now.Add(-2*time.Minute))
	if ids, want := grantIDs(gs), []string{"g1", "g5"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("GrantsFor earlier = %v, want %v", ids, want)
	}

	all, err := db.ListGrants(ctx)
	if err != nil || len(all) != len(grants) || all[0].ID != "g7" || all[len(all)-1].ID != "g1" {
		t.Fatalf("ListGrants = %v, %v", grantIDs(all), err)
	}
}

func TestUpdateGrantKeepsIndex(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC()
	g := auth.Grant{ID: "g1", Subject: "user:alice", Repo: "acme/app", Level: auth.LevelWrite,
		Starts: now.Add(-time.Hour), Expires: now.Add(time.Hour), Created: t0}
	if err := db.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateGrant(ctx, "g1", func(g *auth.Grant) error {
		g.Reason = "extended"
		g.Expires = g.Expires.Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, now)
	if len(gs) != 1 || gs[0].Reason != "extended" {
		t.Fatalf("index copy not updated: %+v", gs)
	}

	// Ending the grant removes it from GrantsFor at once.
	if err := db.UpdateGrant(ctx, "g1", func(g *auth.Grant) error {
		g.Ended, g.EndedBy = now.Add(-time.Second), "admin"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, now); len(gs) != 0 {
		t.Fatalf("ended grant still returned: %+v", gs)
	}
	if got, _ := db.GetGrant(ctx, "g1"); got.EndedBy != "admin" {
		t.Fatalf("GetGrant after end = %+v", got)
	}

	// Moving a grant to another subject moves its index entry.
	if err := db.UpdateGrant(ctx, "g1", func(g *auth.Grant) error {
		g.Ended, g.Subject = time.Time{}, "group:sre"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, now); len(gs) != 0 {
		t.Fatalf("old subject still indexed: %+v", gs)
	}
	if gs, _ := db.GrantsFor(ctx, []string{"group:sre"}, now); len(gs) != 1 {
		t.Fatalf("new subject not indexed: %+v", gs)
	}

	wantErr(t, db.UpdateGrant(ctx, "nope", func(*auth.Grant) error { return nil }), auth.ErrNotFound)
	wantErr(t, db.UpdateGrant(ctx, "g1", func(g *auth.Grant) error { g.ID = "g2"; return nil }), auth.ErrInvalid)
	wantErr(t, db.UpdateGrant(ctx, "g1", func(*auth.Grant) error { return auth.ErrForbidden }), auth.ErrForbidden)
}

// BenchmarkGrantsFor asks for the grants of one user, one of its groups and
// "anyone" in a database of 100,000 grants over 10,000 users, on disk.
func BenchmarkGrantsFor(b *testing.B) {
	ctx := context.Background()
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	wb := db.bdb.NewWriteBatch()
	n := 0
	add := func(subject string) {
		n++
		g := auth.Grant{ID: fmt.Sprintf("g%07d", n), Subject: subject, Repo: "acme/app",
			Level: auth.LevelRead, Starts: now.Add(-time.Hour), Expires: now.Add(time.Duration(n%48) * time.Hour),
			Reason: "benchmark", Origin: auth.OriginBulk, CreatedBy: "admin", Created: now}
		es, err := grantEntries(g)
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range es {
			if err := wb.SetEntry(e); err != nil {
				b.Fatal(err)
			}
		}
	}
	for u := range 10_000 {
		for range 10 {
			add(fmt.Sprintf("user:u%05d", u))
		}
	}
	for range 10 {
		add("group:sre")
		add(auth.PrincipalAnyone)
	}
	if err := wb.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := db.bdb.Flatten(2); err != nil {
		b.Fatal(err)
	}
	subjects := []string{"user:u04711", "group:sre", auth.PrincipalAnyone}
	var found int
	b.ReportAllocs()
	for b.Loop() {
		gs, err := db.GrantsFor(ctx, subjects, now)
		if err != nil {
			b.Fatal(err)
		}
		found = len(gs)
	}
	if found == 0 || found > 30 {
		b.Fatalf("found %d grants", found)
	}
}
