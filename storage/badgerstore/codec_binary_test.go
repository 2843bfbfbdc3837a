package badgerstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/jitgit/jitgit/auth"
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

func TestGrantCodecRoundTrip(t *testing.T) {
	for name, g := range map[string]auth.Grant{
		"every field": fullGrant(),
		"zero times":  {ID: "g_02", Subject: "user:alice", Repo: "acme/app", Level: auth.LevelRead},
		"zero":        {},
		"odd level":   {ID: "g_03", Level: auth.Level(-7)},
		"local time":  {ID: "g_04", Starts: time.Unix(1700000000, 5).Local(), Expires: time.Unix(1<<40, 0).UTC()},
	} {
		b, err := encode(g)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b[0] != codecGrant {
			t.Fatalf("%s: codec %d, want %d", name, b[0], codecGrant)
		}
		var got auth.Grant
		if err := decode(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, g) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", name, got, g)
		}
		// The decoded strings must not share the buffer they came from.
		clear(b)
		if !reflect.DeepEqual(got, g) {
			t.Errorf("%s: decoded grant changed with its buffer", name)
		}
	}
	g := fullGrant()
	if end := g.End(); !end.Equal(g.Ended) {
		t.Fatalf("End = %v, want the Ended time %v", end, g.Ended)
	}
}

func TestPolicyCodecRoundTrip(t *testing.T) {
	for name, p := range map[string]auth.Policy{
		"every field": {ID: "p1", Description: "sre approve", Subjects: []string{"group:sre", "user:alice"},
			Repos: []string{"acme/*", "*"}, Effect: auth.Deny, Level: auth.LevelWrite, Approve: true,
			AutoMax: 90 * time.Minute, AutoLevel: auth.LevelRead, Approvals: 2, Source: "config"},
		"empty lists": {ID: "p2", Subjects: []string{}, Repos: []string{""}, Effect: auth.Allow, AutoMax: -1},
		"zero":        {},
	} {
		b, err := encode(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b[0] != codecPolicy {
			t.Fatalf("%s: codec %d, want %d", name, b[0], codecPolicy)
		}
		var got auth.Policy
		if err := decode(b, &got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("%s: round trip\n got %#v\nwant %#v", name, got, p)
		}
	}
}

// jsonValue is a value as the first versions of the store wrote it.
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
			txn.Set(grantKey(old.ID), gv), txn.Set(grantSubjectKey(old.Subject, old.ID), gv),
			txn.Set(policyKey(pol.ID), pv), txn.Set(policySubjectKey("user:alice", pol.ID), pv))
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
		item, err := txn.Get(grantSubjectKey(fresh.Subject, fresh.ID))
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
		for _, k := range [][]byte{grantKey("g_old"), grantSubjectKey("user:alice", "g_old")} {
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

func TestBinaryCodecRejectsDamage(t *testing.T) {
	gb, err := encode(fullGrant())
	if err != nil {
		t.Fatal(err)
	}
	pb, err := encode(auth.Policy{ID: "p", Subjects: []string{"anyone"}, Repos: []string{"*"}, Effect: auth.Allow})
	if err != nil {
		t.Fatal(err)
	}
	var g auth.Grant
	var p auth.Policy
	for i := 1; i < len(gb); i++ {
		if decode(gb[:i], &g) == nil {
			t.Errorf("grant cut to %d of %d bytes decoded", i, len(gb))
		}
	}
	for i := 1; i < len(pb); i++ {
		if decode(pb[:i], &p) == nil {
			t.Errorf("policy cut to %d of %d bytes decoded", i, len(pb))
		}
	}
	if decode(append(bytes.Clone(gb), 0), &g) == nil {
		t.Error("grant with a trailing byte decoded")
	}
	if decode(gb, &p) == nil || decode(pb, &g) == nil {
		t.Error("a grant decoded as a policy or the other way round")
	}
	if decode([]byte{9, 1, 2}, &g) == nil {
		t.Error("unknown codec decoded")
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
