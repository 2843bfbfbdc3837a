package storagetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// testRequestPages: Requests.Page walks every request once in ascending id
// order, pages of at most limit, resuming after the last id it gave, also
// while requests are filed and decided during the walk.
func testRequestPages(t *testing.T, s storage.Store) {
	page := func(after string, limit int) []auth.Request {
		t.Helper()
		return get(t, s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().Page(after, limit) })
	}
	if rs := page("", 10); len(rs) != 0 {
		t.Fatalf("Page of an empty store = %d requests", len(rs))
	}
	if _, err := view(s, func(tx storage.Tx) ([]auth.Request, error) { return tx.Requests().Page("", 0) }); err == nil {
		t.Fatal("Page with limit 0 succeeded")
	}
	create := func(id string, i int) {
		t.Helper()
		r := request(id, fmt.Sprintf("u%d", i%3), base.Add(time.Duration(i)*time.Minute))
		update(t, s, func(tx storage.Tx) error { return tx.Requests().Create(r) })
	}
	var want []string
	for i := range 15 {
		id := fmt.Sprintf("r%02d", i*2+1)
		create(id, i)
		want = append(want, id)
	}
	var got []string
	after := ""
	for n := 0; ; n++ {
		if n > 100 {
			t.Fatal("the walk does not end")
		}
		rs := page(after, 4)
		if len(rs) > 4 {
			t.Fatalf("page after %q has %d requests, limit 4", after, len(rs))
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			got = append(got, r.ID)
		}
		after = rs[len(rs)-1].ID
		if n == 1 {
			create("r00", 40) // behind the cursor
			create("r40", 41) // ahead of it
			denied := request("r29", "u2", base.Add(14*time.Minute))
			denied.Status = auth.StatusDenied
			update(t, s, func(tx storage.Tx) error { return tx.Requests().Update(denied) })
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
	if !slices.Contains(got, "r40") || slices.Contains(got, "r00") {
		t.Fatalf("walk = %v: a request filed ahead of the cursor is seen, one behind it is not", got)
	}
	if rs := page("r02", 2); len(rs) != 2 || rs[0].ID != "r03" || rs[1].ID != "r05" {
		t.Fatalf(`Page("r02", 2) = %d requests, want r03 and r05`, len(rs))
	}
	if rs := page("r28", 1); len(rs) != 1 || rs[0].Status != auth.StatusDenied {
		t.Fatalf("the denied request pages as %+v", rs)
	}
}
