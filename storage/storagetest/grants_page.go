package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// testGrantPages: Grants.Page walks every grant once in ascending id
// order, pages of at most limit, resuming after the last id it gave, and
// grants created during the walk neither repeat nor hide one that was
// there when it began.
func testGrantPages(t *testing.T, s storage.Store) {
	page := func(after string, limit int) []auth.Grant {
		t.Helper()
		return get(t, s, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().Page(after, limit) })
	}
	if gs := page("", 10); len(gs) != 0 {
		t.Fatalf("Page of an empty store = %v", ids(gs))
	}
	_, err := view(s, func(tx storage.Tx) ([]auth.Grant, error) { return tx.Grants().Page("", 0) })
	if err == nil {
		t.Fatal("Page with limit 0 succeeded")
	}

	var want []string
	create := func(id string) {
		t.Helper()
		g := grant(id, "user:u"+id[len(id)-1:], "acme/web", base, base.Add(time.Hour))
		update(t, s, func(tx storage.Tx) error { return tx.Grants().Create(g) })
	}
	for i := range 25 {
		id := fmt.Sprintf("g%02d", i*2+1) // g01, g03, ...: room for ids between
		create(id)
		want = append(want, id)
	}
	// An ended grant is listed as well.
	ended := grant("g05", "user:u5", "acme/web", base, base.Add(time.Hour))
	ended.Ended, ended.EndedBy = base.Add(time.Minute), "admin"
	update(t, s, func(tx storage.Tx) error { return tx.Grants().Update(ended) })

	var got []string
	after := ""
	for n := 0; ; n++ {
		if n > 100 {
			t.Fatal("the walk does not end")
		}
		gs := page(after, 4)
		if len(gs) > 4 {
			t.Fatalf("page after %q has %d grants, limit 4", after, len(gs))
		}
		if len(gs) == 0 {
			break
		}
		for _, g := range gs {
			got = append(got, g.ID)
		}
		after = gs[len(gs)-1].ID
		// Created meanwhile: one behind the cursor, one ahead of it.
		if n == 2 {
			create("g00")
			create("g40")
		}
	}
	if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
		t.Fatalf("walk = %v, want ascending ids, each once", got)
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Fatalf("walk = %v misses %s", got, id)
		}
	}
	if !slices.Contains(got, "g40") || slices.Contains(got, "g00") {
		t.Fatalf("walk = %v: a grant created ahead of the cursor is seen, one behind it is not", got)
	}

	// after need not be a stored id; a page starts at the next one.
	if gs := page("g02", 2); !slices.Equal(ids(gs), []string{"g03", "g05"}) {
		t.Fatalf(`Page("g02", 2) = %v, want g03 and g05`, ids(gs))
	}
	if gs := page("g49", 10); len(gs) != 0 {
		t.Fatalf(`Page after the last = %v`, ids(gs))
	}
	if gs := page("g05", 1); len(gs) != 1 || gs[0].ID != "g07" {
		t.Fatalf(`Page("g05", 1) = %v, want g07`, ids(gs))
	}
	if gs := page("", 1); len(gs) != 1 || gs[0].ID != "g00" {
		t.Fatalf(`Page("", 1) = %v, want g00`, ids(gs))
	}
	if g := page("g04", 1); len(g) != 1 || g[0].EndedBy != "admin" {
		t.Fatalf("the ended grant pages as %+v", g)
	}
}
