package badgerstore

import (
	"context"
	"reflect"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestKeys(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	k1 := auth.Key{Fingerprint: "SHA256:ab/cd+ef", User: "alice", Type: "ssh-ed25519", Authorized: "ssh-ed25519 AAAA1", Created: t0}
	k2 := auth.Key{Fingerprint: "SHA256:zz", User: "alice", Type: "ssh-ed25519", Authorized: "ssh-ed25519 AAAA2", Created: t0}
	for _, k := range []auth.Key{k1, k2} {
		if err := db.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	// A fingerprint belongs to one user only.
	wantErr(t, db.CreateKey(ctx, auth.Key{Fingerprint: k1.Fingerprint, User: "bob"}), auth.ErrExists)

	got, err := db.GetKey(ctx, k1.Fingerprint)
	if err != nil || !reflect.DeepEqual(got, k1) {
		t.Fatalf("GetKey = %+v, %v", got, err)
	}
	_, err = db.GetKey(ctx, "SHA256:none")
	wantErr(t, err, auth.ErrNotFound)

	ks, err := db.ListKeys(ctx, "alice")
	if err != nil || len(ks) != 2 || ks[0].Fingerprint != k1.Fingerprint {
		t.Fatalf("ListKeys = %+v, %v", ks, err)
	}
	if ks, _ := db.ListKeys(ctx, "bob"); len(ks) != 0 {
		t.Fatalf("ListKeys(bob) = %+v", ks)
	}

	wantErr(t, db.DeleteKey(ctx, "bob", k1.Fingerprint), auth.ErrNotFound)
	if err := db.DeleteKey(ctx, "alice", k1.Fingerprint); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.DeleteKey(ctx, "alice", k1.Fingerprint), auth.ErrNotFound)
	if ks, _ := db.ListKeys(ctx, "alice"); len(ks) != 1 || ks[0].Fingerprint != k2.Fingerprint {
		t.Fatalf("ListKeys after delete = %+v", ks)
	}
	// Once deleted, the fingerprint is free for anyone.
	if err := db.CreateKey(ctx, auth.Key{Fingerprint: k1.Fingerprint, User: "bob"}); err != nil {
		t.Fatal(err)
	}
}
