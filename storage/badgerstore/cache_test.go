package badgerstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// TestCacheNeverOutlivesARevocation revokes grants while readers hammer
// GrantsFor; once a revocation has returned, no read may show the grant.
func TestCacheNeverOutlivesARevocation(t *testing.T) {
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	const n = 50
	for i := range n {
		g := auth.Grant{ID: "g" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Subject: "user:alice", Repo: "acme/x", Level: auth.LevelRead, Starts: now, Expires: now.Add(time.Hour), Created: now}
		if err := db.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	var revoked sync.Map // id → true once UpdateGrant returned
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				// Snapshot what is revoked before reading: those must be absent.
				var done []string
				revoked.Range(func(k, _ any) bool { done = append(done, k.(string)); return true })
				gs, err := db.GrantsFor(ctx, []string{"user:alice", "anyone"}, time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				for _, g := range gs {
					for _, id := range done {
						if g.ID == id {
							t.Errorf("grant %s read after its revocation returned", id)
							return
						}
					}
				}
			}
		}()
	}
	gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, now)
	for _, g := range gs {
		err := db.UpdateGrant(ctx, g.ID, func(g *auth.Grant) error { g.Ended = time.Now(); return nil })
		if err != nil {
			t.Fatal(err)
		}
		revoked.Store(g.ID, true)
	}
	stop.Store(true)
	wg.Wait()
	if gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, time.Now()); len(gs) != 0 {
		t.Fatalf("%d grants left after revoking all", len(gs))
	}
}

func TestCacheSeesNewGrantsAndPolicies(t *testing.T) {
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	subjects := []string{"user:bob", "group:sre"}
	if gs, _ := db.GrantsFor(ctx, subjects, now); len(gs) != 0 { // caches "none"
		t.Fatal(gs)
	}
	if ps, _ := db.PoliciesFor(ctx, subjects); len(ps) != 0 {
		t.Fatal(ps)
	}
	g := auth.Grant{ID: "g1", Subject: "group:sre", Repo: "acme/*", Level: auth.LevelRead, Starts: now, Expires: now.Add(time.Hour), Created: now}
	if err := db.CreateGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if gs, _ := db.GrantsFor(ctx, subjects, now); len(gs) != 1 {
		t.Fatalf("new grant not seen: %v", gs)
	}
	p := auth.Policy{ID: "p1", Subjects: []string{"user:bob"}, Repos: []string{"a/*"}, Effect: auth.Allow, Level: auth.LevelRead}
	if err := db.PutPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	if ps, _ := db.PoliciesFor(ctx, subjects); len(ps) != 1 {
		t.Fatalf("new policy not seen: %v", ps)
	}
	if err := db.DeletePolicy(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := db.PoliciesFor(ctx, subjects); len(ps) != 0 {
		t.Fatalf("deleted policy still seen: %v", ps)
	}
	// Time alone ends a cached grant.
	if gs, _ := db.GrantsFor(ctx, subjects, g.Expires); len(gs) != 0 {
		t.Fatalf("expired grant returned: %v", gs)
	}
}

// TestGrantWriteKeepsOtherSubjectsCached: a grant change forgets only the
// lists of the subjects it touched.
func TestGrantWriteKeepsOtherSubjectsCached(t *testing.T) {
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	mk := func(id, subject string) auth.Grant {
		return auth.Grant{ID: id, Subject: subject, Repo: "acme/x", Level: auth.LevelRead, Starts: now, Expires: now.Add(time.Hour), Created: now}
	}
	for _, g := range []auth.Grant{mk("g1", "user:alice"), mk("g2", "user:bob")} {
		if err := db.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	db.GrantsFor(ctx, []string{"user:alice", "user:bob"}, now) // fills the cache
	cached := func(s string) bool {
		db.cache.mu.Lock()
		defer db.cache.mu.Unlock()
		return db.cache.grants.has(s)
	}
	if !cached("user:alice") || !cached("user:bob") {
		t.Fatal("the cache did not fill")
	}
	if err := db.UpdateGrant(ctx, "g1", func(g *auth.Grant) error { g.Subject = "user:carol"; return nil }); err != nil {
		t.Fatal(err)
	}
	if cached("user:alice") || cached("user:carol") {
		t.Error("a subject the write touched is still cached")
	}
	if !cached("user:bob") {
		t.Error("an untouched subject was dropped")
	}
	if gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, now); len(gs) != 0 {
		t.Errorf("alice still has the moved grant: %v", gs)
	}
	if gs, _ := db.GrantsFor(ctx, []string{"user:carol"}, now); len(gs) != 1 {
		t.Errorf("carol lacks the moved grant: %v", gs)
	}
}
