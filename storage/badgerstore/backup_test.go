package badgerstore

import (
	"bytes"
	"context"
	"testing"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

func TestBackupLoad(t *testing.T) {
	ctx := context.Background()
	src := newTestDB(t)
	if err := src.CreateUser(ctx, auth.User{Name: "alice", Created: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.AppendEvents(ctx, []audit.Event{{Actor: "alice", Action: "a", Result: "ok"}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}

	dst := newTestDB(t)
	if err := dst.Load(&buf); err != nil {
		t.Fatal(err)
	}
	u, err := dst.GetUser(ctx, "alice")
	if err != nil || !u.Created.Equal(t0) {
		t.Fatalf("GetUser after Load = %+v, %v", u, err)
	}
	if err := dst.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := dst.AppendEvents(ctx, []audit.Event{{Actor: "x", Action: "b", Result: "ok"}})
	if err != nil || evs[0].Seq != 2 {
		t.Fatalf("AppendEvents after Load = %+v, %v", evs, err)
	}
}
