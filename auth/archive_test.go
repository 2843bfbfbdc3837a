package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// An archived repository refuses every level to someone a grant would let
// in, saying why; someone with no access is told only what they lack.
func TestArchivedRepoRefusesEverything(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.DB.Update(ctx, func(tx storage.Tx) error {
		return tx.Repos().Create(auth.Repo{Name: "acme/old", Created: f.Clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	f.Grant(t, "user:alice", "acme/old", auth.LevelAdmin, time.Hour)
	if err := f.DB.Update(ctx, func(tx storage.Tx) error {
		r, err := tx.Repos().Get("acme/old")
		if err != nil {
			return err
		}
		r.Archived, r.ArchivedBy, r.ArchiveReason = f.Clock.Now(), "root", "replaced"
		return tx.Repos().Update(r)
	}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []auth.Action{auth.ActionRead, auth.ActionWrite, {Level: auth.LevelAdmin}} {
		d := f.Decide(t, "alice", "acme/old", a)
		if d.Allowed || !d.Final || !strings.Contains(d.Reason, "acme/old is archived") || !strings.Contains(d.Reason, "by root: replaced") {
			t.Errorf("%s: %+v", a.Level, d)
		}
	}
	if d := f.Decide(t, "bob", "acme/old", auth.ActionRead); d.Allowed || strings.Contains(d.Reason, "archived") {
		t.Errorf("bob, without access, learns of the archive: %+v", d)
	}
}
