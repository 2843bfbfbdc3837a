package storagetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

func testCredentials(t *testing.T, s storage.Store) {
	key := auth.Credential{Name: "deploy", Kind: auth.CredentialSSHKey, PublicKey: "ssh-ed25519 AAAA", Fingerprint: "SHA256:x",
		Sealed: []byte{0, 1, 2, 0xff}, Created: base, CreatedBy: "admin"}
	tok := auth.Credential{Name: "bot", Kind: auth.CredentialToken, Username: "bot", Sealed: []byte("sealed"), Created: base, CreatedBy: "admin"}
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Credentials().Create(key); err != nil {
			return err
		}
		return tx.Credentials().Create(tok)
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Credentials().Create(key) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Credentials().Create(auth.Credential{Kind: auth.CredentialToken}) }), auth.ErrInvalid)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.Credentials().Create(auth.Credential{Name: "a/b", Kind: auth.CredentialToken})
	}), auth.ErrInvalid)
	if got := get(t, s, func(tx storage.Tx) (auth.Credential, error) { return tx.Credentials().Get("deploy") }); !reflect.DeepEqual(got, key) {
		t.Fatalf("Get = %+v", got)
	}
	_, err := view(s, func(tx storage.Tx) (auth.Credential, error) { return tx.Credentials().Get("none") })
	wantErr(t, err, auth.ErrNotFound)

	tok.Sealed, tok.Updated = []byte("rotated"), base.Add(time.Hour)
	update(t, s, func(tx storage.Tx) error { return tx.Credentials().Update(tok) })
	if got := get(t, s, func(tx storage.Tx) (auth.Credential, error) { return tx.Credentials().Get("bot") }); !reflect.DeepEqual(got, tok) {
		t.Fatalf("Get after Update = %+v", got)
	}
	changed := tok
	changed.Kind = auth.CredentialSSHKey
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Credentials().Update(changed) }), auth.ErrInvalid)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Credentials().Update(auth.Credential{Name: "none"}) }), auth.ErrNotFound)

	cs := get(t, s, func(tx storage.Tx) ([]auth.Credential, error) { return tx.Credentials().List() })
	if len(cs) != 2 || cs[0].Name != "bot" || cs[1].Name != "deploy" {
		t.Fatalf("List = %+v, want sorted by name", cs)
	}
	update(t, s, func(tx storage.Tx) error { return tx.Credentials().Delete("bot") })
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Credentials().Delete("bot") }), auth.ErrNotFound)
	if cs := get(t, s, func(tx storage.Tx) ([]auth.Credential, error) { return tx.Credentials().List() }); len(cs) != 1 {
		t.Fatalf("List after Delete = %+v", cs)
	}
}

// testRepoDelete checks that a removed repository is gone from every read.
func testRepoDelete(t *testing.T, s storage.Store) {
	r := auth.Repo{Name: "acme/old", Mirror: "https://example.com/old.git", Created: base, CreatedBy: "admin"}
	update(t, s, func(tx storage.Tx) error { return tx.Repos().Create(r) })
	update(t, s, func(tx storage.Tx) error { return tx.Repos().Delete("acme/old") })
	_, err := s.GetRepo(ctx, "acme/old")
	wantErr(t, err, auth.ErrNotFound)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Delete("acme/old") }), auth.ErrNotFound)
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Repo, error) { return tx.Repos().List() }); len(rs) != 0 {
		t.Fatalf("List after Delete = %+v", rs)
	}
	// The name can be used again.
	update(t, s, func(tx storage.Tx) error { return tx.Repos().Create(r) })
}
