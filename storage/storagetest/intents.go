package storagetest

import (
	"errors"
	"testing"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// testIntents: an event staged in an Update commits with it (and only if
// it commits), is handed back by Staged until it is appended, and reaches
// the chain once however often it is appended.
func testIntents(t *testing.T, s storage.Store) {
	ev := audit.Event{Time: base, Actor: "admin", Action: "user.create", Target: "alice", Result: "ok"}
	var staged audit.Event
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Users().Create(auth.User{Name: "alice", Created: base}); err != nil {
			return err
		}
		var err error
		staged, err = tx.Intents().Stage(ev)
		return err
	})
	if staged.Intent == "" {
		t.Fatal("Stage returned an event naming no intent")
	}
	// A transaction that fails stages nothing.
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Intents().Stage(audit.Event{Time: base, Actor: "admin", Action: "user.create", Target: "bob", Result: "ok"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if err := s.View(ctx, func(tx storage.Tx) error {
		_, err := tx.Intents().Stage(ev)
		return err
	}); err == nil {
		t.Error("Stage in a View succeeded")
	}

	got, err := s.Events().Staged(ctx, 10)
	if err != nil || len(got) != 1 || got[0].Intent != staged.Intent || got[0].Target != "alice" || !got[0].Time.Equal(base) {
		t.Fatalf("Staged = %+v, %v; want the one committed intent", got, err)
	}
	out, err := s.Events().AppendEvents(ctx, []audit.Event{got[0], got[0]})
	if err != nil || len(out) != 1 || out[0].Seq != 1 || out[0].Intent != "" {
		t.Fatalf("AppendEvents of one intent twice = %+v, %v; want it once, as event 1", out, err)
	}
	out, err = s.Events().AppendEvents(ctx, []audit.Event{staged})
	if err != nil || len(out) != 0 {
		t.Fatalf("AppendEvents of an appended intent = %+v, %v; want nothing", out, err)
	}
	if got, err := s.Events().Staged(ctx, 10); err != nil || len(got) != 0 {
		t.Fatalf("Staged after the append = %+v, %v; want none", got, err)
	}
	if evs := scan(t, s, 0, false, 0); len(evs) != 1 || evs[0].Target != "alice" || evs[0].Intent != "" {
		t.Fatalf("chain = %+v; want the one event", evs)
	}
	if err := s.Events().Verify(ctx); err != nil {
		t.Fatal(err)
	}
}
