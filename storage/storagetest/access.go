package storagetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

func testRepos(t *testing.T, s storage.Store) {
	web := auth.Repo{Name: "acme/web", Description: "site", Created: base, CreatedBy: "admin"}
	infra := auth.Repo{Name: "acme/infra", Mirror: "https://example.com/infra.git", Every: time.Hour, Created: base}
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Repos().Create(web); err != nil {
			return err
		}
		return tx.Repos().Create(infra)
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Create(web) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Create(auth.Repo{}) }), auth.ErrInvalid)
	if got := get(t, s, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get("acme/web") }); !reflect.DeepEqual(got, web) {
		t.Fatalf("Get = %+v", got)
	}
	_, err := view(s, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get("acme/none") })
	wantErr(t, err, auth.ErrNotFound)
	_, err = s.GetRepo(ctx, "acme/none")
	wantErr(t, err, auth.ErrNotFound)

	infra.LastSync, infra.SyncResult, infra.SyncUpdated = base.Add(time.Minute), "ok", 3
	update(t, s, func(tx storage.Tx) error { return tx.Repos().Update(infra) })
	if got, err := s.GetRepo(ctx, "acme/infra"); err != nil || !reflect.DeepEqual(got, infra) {
		t.Fatalf("GetRepo after Update = %+v, %v", got, err)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Update(auth.Repo{Name: "acme/none"}) }), auth.ErrNotFound)
	rs := get(t, s, func(tx storage.Tx) ([]auth.Repo, error) { return tx.Repos().List() })
	if len(rs) != 2 || rs[0].Name != "acme/infra" || rs[1].Name != "acme/web" {
		t.Fatalf("List = %+v, want sorted by name", rs)
	}
	update(t, s, func(tx storage.Tx) error { return tx.Repos().Delete("acme/infra") })
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Repos().Delete("acme/infra") }), auth.ErrNotFound)
	if _, err := s.GetRepo(ctx, "acme/infra"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("GetRepo after Delete: %v, want not found", err)
	}
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Repo, error) { return tx.Repos().List() }); len(rs) != 1 {
		t.Fatalf("List after Delete = %+v", rs)
	}
}

func grant(id, subject, repo string, starts, expires time.Time) auth.Grant {
	return auth.Grant{ID: id, Subject: subject, Repo: repo, Level: auth.LevelRead, Starts: starts, Expires: expires,
		Reason: "test", Origin: auth.OriginAdmin, CreatedBy: "admin", Created: starts}
}

func ids(gs []auth.Grant) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.ID)
	}
	slices.Sort(out)
	return out
}

func testGrants(t *testing.T, s storage.Store) {
	g1 := grant("g1", "user:alice", "acme/web", base, base.Add(time.Hour))
	g2 := grant("g2", "group:sre", "acme/*", base.Add(time.Minute), base.Add(time.Hour))
	g3 := grant("g3", "user:bob", "acme/web", base.Add(2*time.Minute), base.Add(time.Hour))
	update(t, s, func(tx storage.Tx) error {
		for _, g := range []auth.Grant{g1, g2, g3} {
			if err := tx.Grants().Create(g); err != nil {
				return err
			}
		}
		return nil
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(g1) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(grant("g9", "user:a/b", "x/y", base, base)) }), auth.ErrInvalid)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(grant("", "user:a", "x/y", base, base)) }), auth.ErrInvalid)
	if got := get(t, s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get("g2") }); !reflect.DeepEqual(got, g2) {
		t.Fatalf("Get = %+v", got)
	}
	_, err := view(s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get("nope") })
	wantErr(t, err, auth.ErrNotFound)

	now := base.Add(30 * time.Minute)
	gs, err := s.GrantsFor(ctx, []string{"user:alice", "group:sre", "anyone", "user:alice"}, now)
	if err != nil || !slices.Equal(ids(gs), []string{"g1", "g2"}) {
		t.Fatalf("GrantsFor = %v, %v; want g1 and g2, each once", ids(gs), err)
	}

	open := func() []string {
		return ids(get(t, s, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().ListOpen() }))
	}
	if got := open(); !slices.Equal(got, []string{"g1", "g2", "g3"}) {
		t.Fatalf("ListOpen = %v, want every grant", got)
	}

	// Revoking takes effect on the next GrantsFor, cached or not.
	g1.Ended, g1.EndedBy = now, "admin"
	update(t, s, func(tx storage.Tx) error { return tx.Grants().Update(g1) })
	// An end on the record takes a grant out of the open ones.
	if got := open(); !slices.Equal(got, []string{"g2", "g3"}) {
		t.Fatalf("ListOpen after g1 ended = %v, want g2 and g3", got)
	}
	if gs, _ := s.GrantsFor(ctx, []string{"user:alice"}, now); len(gs) != 0 {
		t.Fatalf("GrantsFor after revocation = %v", ids(gs))
	}
	if got := get(t, s, func(tx storage.Tx) (auth.Grant, error) { return tx.Grants().Get("g1") }); got.EndedBy != "admin" {
		t.Fatalf("revoked grant on record = %+v", got)
	}

	// A changed subject moves the grant in the index.
	s.GrantsFor(ctx, []string{"user:bob", "user:carol"}, now) // a cache may fill here
	g3.Subject = "user:carol"
	update(t, s, func(tx storage.Tx) error { return tx.Grants().Update(g3) })
	if gs, _ := s.GrantsFor(ctx, []string{"user:bob"}, now); len(gs) != 0 {
		t.Fatalf("old subject still has %v", ids(gs))
	}
	if gs, _ := s.GrantsFor(ctx, []string{"user:carol"}, now); !slices.Equal(ids(gs), []string{"g3"}) {
		t.Fatalf("new subject has %v", ids(gs))
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Update(grant("nope", "user:x", "a/b", base, base)) }), auth.ErrNotFound)

	all := get(t, s, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().List() })
	if len(all) != 3 || all[0].ID != "g3" || all[1].ID != "g2" || all[2].ID != "g1" {
		t.Fatalf("List = %v, want newest first, ended ones included", all)
	}
}

// testGrantWindow: GrantsFor returns a grant until, not at, the instant it
// ends, and one that has not started yet (the decision checks Starts).
func testGrantWindow(t *testing.T, s storage.Store) {
	end := base.Add(time.Hour)
	later := grant("later", "user:alice", "acme/web", base.Add(2*time.Hour), base.Add(3*time.Hour))
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Grants().Create(grant("g", "user:alice", "acme/web", base, end)); err != nil {
			return err
		}
		return tx.Grants().Create(later)
	})
	for _, c := range []struct {
		now  time.Time
		want []string
	}{
		{base.Add(-time.Minute), []string{"g", "later"}},
		{base, []string{"g", "later"}},
		{end.Add(-time.Nanosecond), []string{"g", "later"}},
		{end, []string{"later"}},
		{later.Expires, nil},
	} {
		gs, err := s.GrantsFor(ctx, []string{"user:alice"}, c.now)
		if err != nil || !slices.Equal(ids(gs), c.want) {
			t.Errorf("GrantsFor at %s = %v, %v; want %v", c.now.Sub(base), ids(gs), err, c.want)
		}
	}
}

func testPolicies(t *testing.T, s storage.Store) {
	p1 := auth.Policy{ID: "p1", Subjects: []string{"user:alice", "group:sre"}, Repos: []string{"acme/*"}, Effect: auth.Allow, Level: auth.LevelRead, Source: "config"}
	p2 := auth.Policy{ID: "p2", Subjects: []string{"anyone"}, Repos: []string{"public/*"}, Effect: auth.Allow, Level: auth.LevelRead, Source: "config"}
	subjects := []string{"user:alice", "group:sre", "anyone"}
	if ps, _ := s.PoliciesFor(ctx, subjects); len(ps) != 0 { // a cache may fill here
		t.Fatalf("PoliciesFor on an empty store = %+v", ps)
	}
	update(t, s, func(tx storage.Tx) error {
		if err := tx.Policies().Put(p2); err != nil {
			return err
		}
		return tx.Policies().Put(p1)
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Put(auth.Policy{ID: "bad", Subjects: []string{"a/b"}}) }), auth.ErrInvalid)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Put(auth.Policy{Subjects: []string{"anyone"}}) }), auth.ErrInvalid)
	ps, err := s.PoliciesFor(ctx, subjects)
	if err != nil || len(ps) != 2 {
		t.Fatalf("PoliciesFor = %+v, %v; want p1 and p2, each once", ps, err)
	}

	// Replacing a policy moves it in the index.
	p1.Subjects, p1.Description = []string{"group:sre"}, "sre only"
	update(t, s, func(tx storage.Tx) error { return tx.Policies().Put(p1) })
	if ps, _ := s.PoliciesFor(ctx, []string{"user:alice"}); len(ps) != 0 {
		t.Fatalf("old subject still has %+v", ps)
	}
	if ps, _ := s.PoliciesFor(ctx, []string{"group:sre"}); len(ps) != 1 || !reflect.DeepEqual(ps[0], p1) {
		t.Fatalf("PoliciesFor(sre) = %+v", ps)
	}
	all := get(t, s, func(tx storage.Tx) ([]auth.Policy, error) { return tx.Policies().List() })
	if len(all) != 2 || all[0].ID != "p1" || all[1].ID != "p2" {
		t.Fatalf("List = %+v, want sorted by id", all)
	}
	update(t, s, func(tx storage.Tx) error { return tx.Policies().Delete("p2") })
	if ps, _ := s.PoliciesFor(ctx, []string{"anyone"}); len(ps) != 0 {
		t.Fatalf("PoliciesFor after Delete = %+v", ps)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Delete("p2") }), auth.ErrNotFound)
}

func request(id, requester string, created time.Time) auth.Request {
	return auth.Request{ID: id, Requester: requester, Repo: "acme/web", Level: auth.LevelWrite, Duration: time.Hour,
		Reason: "deploy", Status: auth.StatusPending, Created: created, Expires: created.Add(24 * time.Hour), Needed: 1}
}

func testRequests(t *testing.T, s storage.Store) {
	r1, r2, r3 := request("r1", "alice", base), request("r2", "alice", base.Add(time.Minute)), request("r3", "bob", base.Add(2*time.Minute))
	update(t, s, func(tx storage.Tx) error {
		for _, r := range []auth.Request{r1, r2, r3} {
			if err := tx.Requests().Create(r); err != nil {
				return err
			}
		}
		return nil
	})
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Requests().Create(r1) }), auth.ErrExists)
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Requests().Create(request("", "alice", base)) }), auth.ErrInvalid)
	if got := get(t, s, func(tx storage.Tx) (auth.Request, error) { return tx.Requests().Get("r1") }); !reflect.DeepEqual(got, r1) {
		t.Fatalf("Get = %+v", got)
	}
	_, err := view(s, func(tx storage.Tx) (auth.Request, error) { return tx.Requests().Get("nope") })
	wantErr(t, err, auth.ErrNotFound)

	r2.Status, r2.Decided = auth.StatusApproved, base.Add(time.Hour)
	r2.Reviews = []auth.Review{{By: "bob", Approved: true, At: base.Add(time.Hour)}}
	update(t, s, func(tx storage.Tx) error { return tx.Requests().Update(r2) })
	if got := get(t, s, func(tx storage.Tx) (auth.Request, error) { return tx.Requests().Get("r2") }); !reflect.DeepEqual(got, r2) {
		t.Fatalf("Get after Update = %+v", got)
	}
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Requests().Update(request("nope", "alice", base)) }), auth.ErrNotFound)
	stolen := r1
	stolen.Requester = "bob"
	wantErr(t, s.Update(ctx, func(tx storage.Tx) error { return tx.Requests().Update(stolen) }), auth.ErrInvalid)

	reqIDs := func(rs []auth.Request) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().List() }); !slices.Equal(reqIDs(rs), []string{"r3", "r2", "r1"}) {
		t.Fatalf("List = %v, want newest first", reqIDs(rs))
	}
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListBy("alice") }); !slices.Equal(reqIDs(rs), []string{"r2", "r1"}) {
		t.Fatalf("ListBy(alice) = %v", reqIDs(rs))
	}
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListBy("carol") }); len(rs) != 0 {
		t.Fatalf("ListBy(carol) = %v", reqIDs(rs))
	}
	// r2 moved from pending to approved above: the status lists follow.
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListStatus(auth.StatusPending) }); !slices.Equal(reqIDs(rs), []string{"r3", "r1"}) {
		t.Fatalf("ListStatus(pending) = %v, want r3 r1", reqIDs(rs))
	}
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListStatus(auth.StatusApproved) }); !slices.Equal(reqIDs(rs), []string{"r2"}) || !reflect.DeepEqual(rs[0], r2) {
		t.Fatalf("ListStatus(approved) = %v, want r2", reqIDs(rs))
	}
	if rs := get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().ListStatus(auth.StatusDenied) }); len(rs) != 0 {
		t.Fatalf("ListStatus(denied) = %v", reqIDs(rs))
	}
	var scanned []auth.Request
	update(t, s, func(tx storage.Tx) error {
		scanned = nil
		return tx.Requests().Scan(func(r auth.Request) bool { scanned = append(scanned, r); return true })
	})
	slices.SortFunc(scanned, func(a, b auth.Request) int { return strings.Compare(a.ID, b.ID) })
	if len(scanned) != 3 || !reflect.DeepEqual(scanned[1], r2) || !slices.Equal(reqIDs(scanned), []string{"r1", "r2", "r3"}) {
		t.Fatalf("Scan = %+v", scanned)
	}
	n := 0
	update(t, s, func(tx storage.Tx) error {
		n = 0
		return tx.Requests().Scan(func(auth.Request) bool { n++; return n < 2 })
	})
	if n != 2 {
		t.Fatalf("Scan went on after fn returned false: %d calls", n)
	}
}
