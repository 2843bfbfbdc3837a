package badgerstore

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// fullGrant sets every field, with times in UTC, a fixed zone and
// nanoseconds.
func fullGrant() auth.Grant {
	return auth.Grant{
		ID: "g_01", Subject: "group:sre", Repo: "acme/*", Level: auth.LevelAdmin,
		Starts:    t0.Add(123456789 * time.Nanosecond),
		Expires:   t0.Add(7 * 24 * time.Hour).In(time.FixedZone("", 2*3600)),
		Reason:    "incident OPS-1 — ünïcode and\nnewlines",
		Origin:    auth.OriginRequest,
		Request:   "r_01",
		CreatedBy: "bob",
		Created:   t0.Add(-time.Minute),
		Ended:     t0.Add(time.Hour),
		EndedBy:   "carol",
		EndNote:   "done early",
	}
}

// The codec bytes of storage/record this file's tests write and expect.
const (
	codecJSON  byte = 1
	codecGrant byte = 15
)

func jsonValue(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte{codecJSON}, b...)
}

func TestOldJSONRecordsReadable(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	old := fullGrant()
	old.ID, old.Subject, old.Expires, old.Ended = "g_old", "user:alice", now.Add(time.Hour), time.Time{}
	pol := auth.Policy{ID: "p_old", Subjects: []string{"user:alice"}, Repos: []string{"acme/*"},
		Effect: auth.Allow, Level: auth.LevelRead, Source: "config"}
	// Write the records and their index copies as codec 1 did.
	err := db.bdb.Update(func(txn *badger.Txn) error {
		gv, pv := jsonValue(t, old), jsonValue(t, pol)
		return errors.Join(
			txn.Set(record.GrantKey(old.ID), gv), txn.Set(record.GrantSubjectKey(old.Subject, old.ID), gv),
			txn.Set(record.PolicyKey(pol.ID), pv), txn.Set(record.PolicySubjectKey("user:alice", pol.ID), pv))
	})
	if err != nil {
		t.Fatal(err)
	}
	// A new grant beside it is written in the binary codec.
	fresh := auth.Grant{ID: "g_new", Subject: "user:alice", Repo: "acme/app", Level: auth.LevelWrite,
		Starts: now, Expires: now.Add(2 * time.Hour), Origin: auth.OriginAdmin, Created: now}
	if err := db.CreateGrant(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	err = db.bdb.View(func(txn *badger.Txn) error {
		item, err := txn.Get(record.GrantSubjectKey(fresh.Subject, fresh.ID))
		if err != nil {
			return err
		}
		return item.Value(func(b []byte) error {
			if b[0] != codecGrant {
				t.Errorf("new grant stored in codec %d", b[0])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	got, err := db.GetGrant(ctx, "g_old")
	if err != nil || !reflect.DeepEqual(got, old) {
		t.Fatalf("GetGrant(old) = %+v, %v", got, err)
	}
	gs, err := db.GrantsFor(ctx, []string{"user:alice"}, now)
	if err != nil || len(gs) != 2 || !reflect.DeepEqual(gs[0], fresh) || !reflect.DeepEqual(gs[1], old) {
		t.Fatalf("GrantsFor = %+v, %v", gs, err)
	}
	ps, err := db.PoliciesFor(ctx, []string{"user:alice"})
	if err != nil || len(ps) != 1 || !reflect.DeepEqual(ps[0], pol) {
		t.Fatalf("PoliciesFor = %+v, %v", ps, err)
	}
	// Updating an old grant rewrites it, and its index copy, in the new codec.
	if err := db.UpdateGrant(ctx, "g_old", func(g *auth.Grant) error { g.Ended = now.Add(time.Minute); return nil }); err != nil {
		t.Fatal(err)
	}
	err = db.bdb.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{record.GrantKey("g_old"), record.GrantSubjectKey("user:alice", "g_old")} {
			item, err := txn.Get(k)
			if err != nil {
				return err
			}
			if err := item.Value(func(b []byte) error {
				if b[0] != codecGrant {
					t.Errorf("%s in codec %d after update", k, b[0])
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateGrants(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	var gs []auth.Grant
	for i := range 3000 { // several transactions' worth
		g := fullGrant()
		g.ID = "g_" + string(rune('a'+i%26)) + time.Duration(i).String()
		g.Subject = "user:u" + time.Duration(i%100).String()
		g.Expires, g.Ended = now.Add(time.Hour), time.Time{}
		gs = append(gs, g)
	}
	if err := db.CreateGrants(ctx, gs); err != nil {
		t.Fatal(err)
	}
	got, err := db.GrantsFor(ctx, []string{"user:u7ns"}, now)
	if err != nil || len(got) != 30 {
		t.Fatalf("GrantsFor = %d grants, %v", len(got), err)
	}
	all, err := db.ListGrants(ctx)
	if err != nil || len(all) != len(gs) {
		t.Fatalf("ListGrants = %d grants, %v", len(all), err)
	}
	wantErr(t, db.CreateGrants(ctx, gs[:1]), auth.ErrExists)
	dup := fullGrant()
	dup.ID = "g_dup"
	wantErr(t, db.CreateGrants(ctx, []auth.Grant{dup, dup}), auth.ErrInvalid)
	bad := fullGrant()
	bad.ID, bad.Subject = "g_bad", "user:a/b"
	wantErr(t, db.CreateGrants(ctx, []auth.Grant{dup, bad}), auth.ErrInvalid)
	if _, err := db.GetGrant(ctx, "g_dup"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("a refused batch stored a grant: %v", err)
	}
}
