package storagetest

import (
	"time"

	"reflect"
	"testing"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

func testProtections(t *testing.T, s storage.Store) {
	p1 := auth.Protection{ID: "main", Repo: "acme/*", Ref: "refs/heads/main", Forbid: auth.ChangeForce | auth.ChangeDelete, Source: "config"}
	p2 := auth.Protection{ID: "tags", Description: "tags stay", Repo: "*", Ref: "refs/tags/*", Forbid: auth.ChangeUpdate, Source: "admin"}
	if ps, err := s.ProtectionsFor(ctx, "acme/web"); err != nil || len(ps) != 0 { // a cache may fill here
		t.Fatalf("ProtectionsFor on an empty store = %+v, %v", ps, err)
	}
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Protections().Put(p2); err != nil {
			return err
		}
		return tx.Protections().Put(p1)
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Protections().Put(auth.Protection{Repo: "*"}) }), auth.ErrInvalid)
	if ps, err := s.ProtectionsFor(ctx, "acme/web"); err != nil || !reflect.DeepEqual(ps, []auth.Protection{p1, p2}) {
		t.Fatalf("ProtectionsFor(acme/web) = %+v, %v; want main and tags", ps, err)
	}
	if ps, _ := s.ProtectionsFor(ctx, "other/web"); !reflect.DeepEqual(ps, []auth.Protection{p2}) {
		t.Fatalf("ProtectionsFor(other/web) = %+v; want tags only", ps)
	}
	// A replaced rule is seen by the next decision.
	p1.Forbid = auth.ChangeUpdate
	update(t, s, func(tx storage.Tx) error { return tx.Protections().Put(p1) })
	if ps, _ := s.ProtectionsFor(ctx, "acme/web"); len(ps) != 2 || ps[0].Forbid != auth.ChangeUpdate {
		t.Fatalf("ProtectionsFor after Put = %+v", ps)
	}
	all := get(t, s, func(tx storage.Tx) ([]auth.Protection, error) { return tx.Protections().List() })
	if len(all) != 2 || all[0].ID != "main" || all[1].ID != "tags" {
		t.Fatalf("List = %+v, want sorted by id", all)
	}
	update(t, s, func(tx storage.Tx) error { return tx.Protections().Delete("tags") })
	if ps, _ := s.ProtectionsFor(ctx, "other/web"); len(ps) != 0 {
		t.Fatalf("ProtectionsFor after Delete = %+v", ps)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Protections().Delete("tags") }), auth.ErrNotFound)
	// A grant's ref and allowance are stored.
	g := auth.Grant{ID: "g-ref", Subject: "user:alice", Repo: "acme/web", Level: auth.LevelWrite, Ref: "refs/heads/hotfix/*",
		Allow: auth.ChangeForce | auth.ChangeDelete, Starts: base, Expires: base.Add(2 * time.Hour), Reason: "fix", Origin: auth.OriginAdmin, CreatedBy: "admin", Created: base}
	update(t, s, func(tx storage.Tx) error { return tx.Grants().Create(g) })
	if got := get(t, s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get("g-ref") }); !reflect.DeepEqual(got, g) {
		t.Fatalf("Get = %+v, want %+v", got, g)
	}
}
