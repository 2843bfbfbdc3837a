package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

func testViewIsReadOnly(t *testing.T, s storage.Store) {
	err := s.View(ctx, func(tx storage.Tx) error { return tx.Users().Create(auth.User{Name: "alice"}) })
	if err == nil {
		t.Fatal("a write in View succeeded")
	}
	_, err = view(s, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get("alice") })
	wantErr(t, err, auth.ErrNotFound)
}

func testFailedUpdateWritesNothing(t *testing.T, s storage.Store) {
	stop := errors.New("stop")
	err := s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.Users().Create(auth.User{Name: "alice"}); err != nil {
			return err
		}
		if err := tx.Grants().Create(grant("g1", "user:alice", "acme/web", base, base.Add(time.Hour))); err != nil {
			return err
		}
		return stop
	})
	if err != stop {
		t.Fatalf("Update returned %v, want fn's error unchanged", err)
	}
	_, err = view(s, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get("alice") })
	wantErr(t, err, auth.ErrNotFound)
	if gs, _ := s.GrantsFor(ctx, []string{"user:alice"}, base); len(gs) != 0 {
		t.Fatalf("an aborted grant is visible: %v", ids(gs))
	}
	// Within the transaction its own writes are visible.
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Users().Create(auth.User{Name: "bob"}); err != nil {
			return err
		}
		_, err := tx.Users().Get("bob")
		return err
	})
}

func testCancelledContext(t *testing.T, s storage.Store) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	wantErr(t, s.Update(c, func(storage.Tx) error { ran = true; return nil }), context.Canceled)
	wantErr(t, s.View(c, func(storage.Tx) error { ran = true; return nil }), context.Canceled)
	if ran {
		t.Error("fn ran under a cancelled context")
	}
	_, err := s.GrantsFor(c, []string{"anyone"}, base)
	wantErr(t, err, context.Canceled)
	wantErr(t, s.Events().Verify(c), context.Canceled)
}

// testConcurrentCreates: writers of different records all land; of writers
// of the same record exactly one does.
func testConcurrentCreates(t *testing.T, s storage.Store) {
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Update(ctx, func(tx storage.Tx) error { return tx.Users().Create(auth.User{Name: fmt.Sprintf("u%02d", i)}) })
		})
		wg.Go(func() {
			errs[n+i] = s.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Create(auth.Repo{Name: "acme/same"}) })
		})
	}
	wg.Wait()
	created := 0
	for i, err := range errs {
		switch {
		case i < n && err != nil:
			t.Errorf("user %d: %v", i, err)
		case i >= n && err == nil:
			created++
		case i >= n && !errors.Is(err, auth.ErrExists) && !errors.Is(err, auth.ErrConflict):
			t.Errorf("repo: %v", err)
		}
	}
	if created != 1 {
		t.Errorf("%d of %d concurrent creates of one repository succeeded", created, n)
	}
	if us := get(t, s, func(tx storage.Tx) ([]auth.User, error) { return tx.Users().List() }); len(us) != n {
		t.Errorf("%d users after %d concurrent creates", len(us), n)
	}
}

// testNoLostUpdate: concurrent read-modify-writes of one record are
// serialised or retried; an Update that returned nil is never lost. (One
// that gave up returns ErrConflict, which a backend may do under heavy
// contention.)
func testNoLostUpdate(t *testing.T, s storage.Store) {
	const n = 20
	update(t, s, func(tx storage.Tx) error { return tx.Users().Create(auth.User{Name: "alice"}) })
	var wg sync.WaitGroup
	var mu sync.Mutex
	var done []string
	for i := range n {
		wg.Go(func() {
			g := fmt.Sprintf("g%02d", i)
			err := s.Update(ctx, func(tx storage.Tx) error {
				u, err := tx.Users().Get("alice")
				if err != nil {
					return err
				}
				u.Groups = append(u.Groups, g)
				return tx.Users().Update(u)
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				done = append(done, g)
			case !errors.Is(err, auth.ErrConflict):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	u := get(t, s, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get("alice") })
	if len(done) == 0 || len(u.Groups) != len(done) {
		t.Fatalf("%d updates committed, the user has %d groups: %v", len(done), len(u.Groups), u.Groups)
	}
	for _, g := range done {
		if !slices.Contains(u.Groups, g) {
			t.Errorf("committed update %s lost: %v", g, u.Groups)
		}
	}
}

// testCheckThenCreate: an Update that lists records and creates one when
// none matches is serialised against another doing the same, even though
// neither reads a record the other writes: a list sees what was inserted
// into it meanwhile. Of many at once exactly one creates.
func testCheckThenCreate(t *testing.T, s storage.Store) {
	const n, rounds = 50, 5
	errPending := errors.New("already pending")
	for round := range rounds {
		requester := fmt.Sprintf("user%d", round)
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for i := range n {
			wg.Go(func() {
				err := s.Update(ctx, func(tx storage.Tx) error {
					rs, err := tx.Requests().ListBy(requester)
					if err != nil {
						return err
					}
					for _, r := range rs {
						if r.Status == auth.StatusPending {
							return errPending
						}
					}
					return tx.Requests().Create(request(fmt.Sprintf("r%d-%d", round, i), requester, base))
				})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					created++
				case !errors.Is(err, errPending):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListBy(requester) })
		if created != 1 || len(rs) != 1 {
			t.Fatalf("round %d: %d of %d created, %d stored; want 1", round, created, n, len(rs))
		}
	}
}
