package badgerstore

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	t1 := auth.Token{ID: "t1", User: "alice", Hash: "h1", Name: "laptop", Created: t0}
	t2 := auth.Token{ID: "t2", User: "alice", Hash: "h2", Created: t0.Add(time.Hour), Expires: t0.Add(48 * time.Hour)}
	t3 := auth.Token{ID: "t3", User: "bob", Hash: "h3", Created: t0}
	for _, tk := range []auth.Token{t2, t1, t3} {
		if err := db.CreateToken(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, db.CreateToken(ctx, auth.Token{ID: "t1", User: "x", Hash: "new"}), auth.ErrExists)
	wantErr(t, db.CreateToken(ctx, auth.Token{ID: "t9", User: "x", Hash: "h1"}), auth.ErrExists)

	got, err := db.TokenByHash(ctx, "h2")
	if err != nil || !reflect.DeepEqual(got, t2) {
		t.Fatalf("TokenByHash = %+v, %v", got, err)
	}
	_, err = db.TokenByHash(ctx, "nope")
	wantErr(t, err, auth.ErrNotFound)

	if err := db.UpdateToken(ctx, "t1", func(tk *auth.Token) error { tk.Revoked = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.TokenByHash(ctx, "h1"); !got.Revoked {
		t.Fatal("revocation not stored")
	}
	wantErr(t, db.UpdateToken(ctx, "nope", func(*auth.Token) error { return nil }), auth.ErrNotFound)
	wantErr(t, db.UpdateToken(ctx, "t1", func(tk *auth.Token) error { tk.Hash = "other"; return nil }), auth.ErrInvalid)

	ts, err := db.ListTokens(ctx, "alice")
	if err != nil || len(ts) != 2 || ts[0].ID != "t1" || ts[1].ID != "t2" {
		t.Fatalf("ListTokens(alice) = %+v, %v", ts, err)
	}
	ts, err = db.ListTokens(ctx, "carol")
	if err != nil || len(ts) != 0 {
		t.Fatalf("ListTokens(carol) = %+v, %v", ts, err)
	}
}
