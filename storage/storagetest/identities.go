package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

func testUsers(t *testing.T, s storage.Store) {
	bob := auth.User{Name: "bob", Groups: []string{"sre"}, Approver: true, Created: base}
	alice := auth.User{Name: "alice", PasswordHash: "h", Admin: true, Created: base}
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Users().Create(bob); err != nil {
			return err
		}
		return tx.Users().Create(alice)
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Users().Create(alice) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Users().Create(auth.User{Name: "a/b"}) }), auth.ErrInvalid)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Users().Create(auth.User{}) }), auth.ErrInvalid)
	if got := get(t, s, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get("alice") }); !reflect.DeepEqual(got, alice) {
		t.Fatalf("Get = %+v, want %+v", got, alice)
	}
	_, err := view(s, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get("nobody") })
	wantErr(t, err, auth.ErrNotFound)

	alice.Disabled, alice.Groups, alice.SessionsAfter = true, []string{"ops"}, base.Add(time.Minute)
	update(t, s, func(tx storage.Tx) error { return tx.Users().Update(alice) })
	if got := get(t, s, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get("alice") }); !reflect.DeepEqual(got, alice) {
		t.Fatalf("Get after Update = %+v, want %+v", got, alice)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Users().Update(auth.User{Name: "nobody"}) }), auth.ErrNotFound)

	us := get(t, s, func(tx storage.Tx) ([]auth.User, error) { return tx.Users().List() })
	if len(us) != 2 || !reflect.DeepEqual(us[0], alice) || !reflect.DeepEqual(us[1], bob) {
		t.Fatalf("List = %+v, want alice and bob by name", us)
	}
}

func testTokens(t *testing.T, s storage.Store) {
	t1 := auth.Token{ID: "t1", User: "alice", Hash: "hash1", Name: "ci", Created: base.Add(time.Minute)}
	t2 := auth.Token{ID: "t2", User: "alice", Hash: "hash2", Created: base, Expires: base.Add(time.Hour)}
	t3 := auth.Token{ID: "t3", User: "bob", Hash: "hash3", Created: base}
	update(t, s, func(tx storage.Tx) error {
		for _, tk := range []auth.Token{t1, t2, t3} {
			if err := tx.Tokens().Create(tk); err != nil {
				return err
			}
		}
		return nil
	})
	for _, bad := range []auth.Token{
		{ID: "t1", User: "alice", Hash: "new"},   // id taken
		{ID: "t9", User: "alice", Hash: "hash1"}, // hash taken
	} {
		wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Tokens().Create(bad) }), auth.ErrExists)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Tokens().Create(auth.Token{ID: "t8", User: "a/b", Hash: "h8"}) }), auth.ErrInvalid)

	if got := get(t, s, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().Get("t1") }); !reflect.DeepEqual(got, t1) {
		t.Fatalf("Get = %+v", got)
	}
	if got := get(t, s, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().ByHash("hash2") }); !reflect.DeepEqual(got, t2) {
		t.Fatalf("ByHash = %+v", got)
	}
	_, err := view(s, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().ByHash("nope") })
	wantErr(t, err, auth.ErrNotFound)
	_, err = view(s, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().Get("nope") })
	wantErr(t, err, auth.ErrNotFound)

	t1.Revoked = true
	update(t, s, func(tx storage.Tx) error { return tx.Tokens().Update(t1) })
	if got := get(t, s, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().ByHash("hash1") }); !got.Revoked {
		t.Fatal("revocation not stored")
	}
	moved := t1
	moved.User = "bob"
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Tokens().Update(moved) }), auth.ErrInvalid)
	rehashed := t1
	rehashed.Hash = "other"
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Tokens().Update(rehashed) }), auth.ErrInvalid)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Tokens().Update(auth.Token{ID: "nope"}) }), auth.ErrNotFound)

	ts := get(t, s, func(tx storage.Tx) ([]auth.Token, error) { return tx.Tokens().List("alice") })
	if len(ts) != 2 || ts[0].ID != "t2" || ts[1].ID != "t1" {
		t.Fatalf("List(alice) = %+v, want t2 then t1 (oldest first)", ts)
	}
	if ts := get(t, s, func(tx storage.Tx) ([]auth.Token, error) { return tx.Tokens().List("carol") }); len(ts) != 0 {
		t.Fatalf("List(carol) = %+v", ts)
	}
}

func testKeys(t *testing.T, s storage.Store) {
	k1 := auth.Key{Fingerprint: "SHA256:one", User: "alice", Type: "ssh-ed25519", Authorized: "ssh-ed25519 AAAA1", Created: base.Add(time.Minute)}
	k2 := auth.Key{Fingerprint: "SHA256:two", User: "alice", Type: "ssh-ed25519", Authorized: "ssh-ed25519 AAAA2", Created: base}
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Keys().Create(k1); err != nil {
			return err
		}
		return tx.Keys().Create(k2)
	})
	taken := k1
	taken.User = "bob"
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Keys().Create(taken) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Keys().Create(auth.Key{User: "bob"}) }), auth.ErrInvalid)
	if got := get(t, s, func(tx storage.Tx) (auth.Key, error) { return tx.Keys().Get("SHA256:one") }); !reflect.DeepEqual(got, k1) {
		t.Fatalf("Get = %+v", got)
	}
	ks := get(t, s, func(tx storage.Tx) ([]auth.Key, error) { return tx.Keys().List("alice") })
	if len(ks) != 2 || ks[0].Fingerprint != k2.Fingerprint || ks[1].Fingerprint != k1.Fingerprint {
		t.Fatalf("List = %+v, want two then one (oldest first)", ks)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Keys().Delete("bob", "SHA256:one") }), auth.ErrNotFound)
	update(t, s, func(tx storage.Tx) error { return tx.Keys().Delete("alice", "SHA256:one") })
	_, err := view(s, func(tx storage.Tx) (auth.Key, error) { return tx.Keys().Get("SHA256:one") })
	wantErr(t, err, auth.ErrNotFound)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Keys().Delete("alice", "SHA256:one") }), auth.ErrNotFound)
	if ks := get(t, s, func(tx storage.Tx) ([]auth.Key, error) { return tx.Keys().List("alice") }); len(ks) != 1 {
		t.Fatalf("List after Delete = %+v", ks)
	}
	// A deleted fingerprint may belong to someone else afterwards.
	update(t, s, func(tx storage.Tx) error { return tx.Keys().Create(taken) })
}

func testSessions(t *testing.T, s storage.Store) {
	end := base.Add(12 * time.Hour)
	se := auth.Session{Hash: "sh1", User: "alice", CSRF: "c", Created: base, Expires: end}
	update(t, s, func(tx storage.Tx) error { return tx.Sessions().Create(se) })
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Sessions().Create(se) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Sessions().Create(auth.Session{User: "x", Expires: end}) }), auth.ErrInvalid)

	at := func(now time.Time) (auth.Session, error) {
		return view(s, func(tx storage.Tx) (auth.Session, error) { return tx.Sessions().Get("sh1", now) })
	}
	if got, err := at(end.Add(-time.Nanosecond)); err != nil || !reflect.DeepEqual(got, se) {
		t.Fatalf("Get just before expiry = %+v, %v", got, err)
	}
	_, err := at(end)
	wantErr(t, err, auth.ErrNotFound) // at the expiry instant it is gone
	_, err = view(s, func(tx storage.Tx) (auth.Session, error) { return tx.Sessions().Get("nope", base) })
	wantErr(t, err, auth.ErrNotFound)

	update(t, s, func(tx storage.Tx) error { return tx.Sessions().Delete("sh1") })
	_, err = at(base)
	wantErr(t, err, auth.ErrNotFound)
	update(t, s, func(tx storage.Tx) error { return tx.Sessions().Delete("sh1") }) // twice is harmless
}
