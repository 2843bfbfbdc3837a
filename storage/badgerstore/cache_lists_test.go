package badgerstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// TestSubjectListsEvictOneAtATime: past its bounds the cache drops the
// least recently used subject only, by entries and by bytes.
func TestSubjectListsEvictOneAtATime(t *testing.T) {
	l := newSubjectLists(3, 1<<20, func(v []int) int64 { return int64(8 * len(v)) })
	for _, s := range []string{"a", "b", "c"} {
		l.put(s, []int{1})
	}
	l.get("a")
	l.put("d", []int{1})
	if l.has("b") || !l.has("a") || !l.has("c") || !l.has("d") {
		t.Fatalf("after a fourth subject: a %t b %t c %t d %t", l.has("a"), l.has("b"), l.has("c"), l.has("d"))
	}
	byBytes := newSubjectLists(100, 3*(entryOverhead+1+8), func(v []int) int64 { return int64(8 * len(v)) })
	for _, s := range []string{"a", "b", "c", "d"} {
		byBytes.put(s, []int{1})
	}
	if byBytes.len() != 3 || byBytes.has("a") {
		t.Fatalf("byte budget: %d entries, a %t", byBytes.len(), byBytes.has("a"))
	}
	if byBytes.bytes != 3*(entryOverhead+1+8) {
		t.Fatalf("bytes %d after evictions", byBytes.bytes)
	}
	byBytes.purge()
	if byBytes.bytes != 0 {
		t.Fatalf("bytes %d after purge", byBytes.bytes)
	}
}

// TestCacheKeepsHotSubjectsPastManySubjects: 20,000 users asked about
// once each do not empty the cache: the subjects asked about stay cached
// (the old cache started over at 16,384 and lost all of them).
func TestCacheKeepsHotSubjectsPastManySubjects(t *testing.T) {
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	const users = 20000
	for i := range users {
		s := fmt.Sprintf("user:u%d", i)
		if i%1000 == 0 {
			g := auth.Grant{ID: fmt.Sprintf("g%d", i), Subject: s, Repo: "acme/x", Level: auth.LevelRead, Starts: now, Expires: now.Add(time.Hour), Created: now}
			if err := db.CreateGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range users {
		if _, err := db.GrantsFor(ctx, []string{fmt.Sprintf("user:u%d", i)}, now); err != nil {
			t.Fatal(err)
		}
	}
	db.cache.mu.Lock()
	defer db.cache.mu.Unlock()
	if n := db.cache.grants.len(); n != users {
		t.Fatalf("%d of %d subjects cached", n, users)
	}
}
