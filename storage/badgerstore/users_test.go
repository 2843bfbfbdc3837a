package badgerstore

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	bob := auth.User{Name: "bob", Groups: []string{"sre"}, Created: t0}
	alice := auth.User{Name: "alice", Admin: true, Created: t0}
	for _, u := range []auth.User{bob, alice} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, db.CreateUser(ctx, auth.User{Name: "alice"}), auth.ErrExists)
	wantErr(t, db.CreateUser(ctx, auth.User{Name: ""}), auth.ErrInvalid)

	got, err := db.GetUser(ctx, "bob")
	if err != nil || !reflect.DeepEqual(got, bob) {
		t.Fatalf("GetUser = %+v, %v; want %+v", got, err, bob)
	}
	_, err = db.GetUser(ctx, "carol")
	wantErr(t, err, auth.ErrNotFound)

	if err := db.UpdateUser(ctx, "bob", func(u *auth.User) error {
		u.Groups = append(u.Groups, "dev")
		u.Disabled = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.GetUser(ctx, "bob")
	if !got.Disabled || len(got.Groups) != 2 {
		t.Fatalf("after UpdateUser: %+v", got)
	}
	wantErr(t, db.UpdateUser(ctx, "carol", func(*auth.User) error { return nil }), auth.ErrNotFound)
	wantErr(t, db.UpdateUser(ctx, "bob", func(u *auth.User) error { u.Name = "robert"; return nil }), auth.ErrInvalid)

	sentinel := errors.New("no thanks")
	if err := db.UpdateUser(ctx, "bob", func(u *auth.User) error { u.Admin = true; return sentinel }); err != sentinel {
		t.Fatalf("UpdateUser fn error = %v, want it unchanged", err)
	}
	if got, _ := db.GetUser(ctx, "bob"); got.Admin {
		t.Fatal("aborted UpdateUser was stored")
	}

	us, err := db.ListUsers(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "alice" || us[1].Name != "bob" {
		t.Fatalf("ListUsers = %+v, %v", us, err)
	}
}
