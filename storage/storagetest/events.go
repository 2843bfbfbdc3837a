package storagetest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

func appendEvents(t *testing.T, s storage.Store, n int) []audit.Event {
	t.Helper()
	evs := make([]audit.Event, n)
	for i := range evs {
		evs[i] = audit.Event{Actor: "alice", Action: "grant.create", Result: "ok", Detail: fmt.Sprint("event ", i)}
	}
	out, err := s.Events().AppendEvents(ctx, evs)
	if err != nil || len(out) != n {
		t.Fatalf("AppendEvents = %d events, %v", len(out), err)
	}
	return out
}

func scan(t *testing.T, s storage.Store, after uint64, newestFirst bool, limit int) []audit.Event {
	t.Helper()
	var out []audit.Event
	err := s.Events().Scan(ctx, after, newestFirst, func(e audit.Event) bool {
		out = append(out, e)
		return limit == 0 || len(out) < limit
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func seqs(evs []audit.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprint(&b, e.Seq, " ")
	}
	return strings.TrimSpace(b.String())
}

// testAuditChain: events are numbered from 1 without gaps, in order, each
// naming its predecessor's hash, and read back exactly as returned.
func testAuditChain(t *testing.T, s storage.Store) {
	if err := s.Events().Verify(ctx); err != nil {
		t.Fatalf("Verify of an empty trail: %v", err)
	}
	if out, err := s.Events().AppendEvents(ctx, nil); err != nil || len(out) != 0 {
		t.Fatalf("AppendEvents(nil) = %+v, %v", out, err)
	}
	out := appendEvents(t, s, 3)
	zone := time.FixedZone("X", 3600)
	more, err := s.Events().AppendEvents(ctx, []audit.Event{{Time: time.Now().In(zone), Action: "a", Result: "ok"}, {Action: "b", Result: "ok"}})
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, more...)
	prev := ""
	for i, e := range out {
		if e.Seq != uint64(i+1) || e.Prev != prev || e.Hash == "" || e.Time.IsZero() || e.Time.Location() != time.UTC {
			t.Fatalf("event %d = %+v (previous hash %q)", i+1, e, prev)
		}
		prev = e.Hash
	}
	got := scan(t, s, 0, false, 0)
	if len(got) != len(out) {
		t.Fatalf("Scan = %s", seqs(got))
	}
	for i := range got {
		if got[i] != out[i] {
			t.Fatalf("stored event %d = %+v, returned %+v", i+1, got[i], out[i])
		}
	}
	if err := s.Events().Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

func testAuditScan(t *testing.T, s storage.Store) {
	if got := scan(t, s, 0, true, 0); len(got) != 0 {
		t.Fatalf("Scan of an empty trail = %s", seqs(got))
	}
	appendEvents(t, s, 5)
	for _, c := range []struct {
		after       uint64
		newestFirst bool
		limit       int
		want        string
	}{
		{0, false, 0, "1 2 3 4 5"},
		{2, false, 0, "3 4 5"},
		{2, false, 2, "3 4"},
		{5, false, 0, ""},
		{^uint64(0), false, 0, ""},
		{0, true, 0, "5 4 3 2 1"},
		{4, true, 0, "3 2 1"},
		{4, true, 1, "3"},
		{1, true, 0, ""},
		{9, true, 0, "5 4 3 2 1"},
	} {
		if got := seqs(scan(t, s, c.after, c.newestFirst, c.limit)); got != c.want {
			t.Errorf("Scan(after %d, newestFirst %t, stop after %d) = %q, want %q", c.after, c.newestFirst, c.limit, got, c.want)
		}
	}
}

// testConcurrentAppends: appends from many goroutines never interleave or
// leave gaps.
func testConcurrentAppends(t *testing.T, s storage.Store) {
	const writers, each = 10, 5
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() { appendEvents(t, s, each) })
	}
	wg.Wait()
	got := scan(t, s, 0, false, 0)
	for i, e := range got {
		if e.Seq != uint64(i+1) {
			t.Fatalf("Scan = %s", seqs(got))
		}
	}
	if len(got) != writers*each {
		t.Fatalf("%d events stored, want %d", len(got), writers*each)
	}
	if err := s.Events().Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// testVerifyFindsTampering damages a trail of five events in each way and
// expects Verify to name the first event that is wrong.
func testVerifyFindsTampering(t *testing.T, s storage.Store) {
	tm, ok := s.(Tamperer)
	if !ok {
		t.Skip("the store gives no Tamperer")
	}
	evs := appendEvents(t, s, 5)
	check := func(what string, first uint64) {
		t.Helper()
		err := s.Events().Verify(ctx)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprint(first)) {
			t.Fatalf("Verify after %s = %v, want an error naming event %d", what, err, first)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	edited := evs[2]
	edited.Detail = "nothing happened"
	must(tm.PutEvent(ctx, 3, edited))
	check("an edit", 3)
	must(tm.PutEvent(ctx, 3, evs[2]))
	must(s.Events().Verify(ctx))

	must(tm.PutEvent(ctx, 2, evs[2])) // reordered: 3 stored where 2 was
	must(tm.PutEvent(ctx, 3, evs[1]))
	check("a swap", 2)
	must(tm.PutEvent(ctx, 2, evs[1]))
	must(tm.PutEvent(ctx, 3, evs[2]))
	must(s.Events().Verify(ctx))

	must(tm.DeleteEvent(ctx, 3))
	check("a removal", 3)
	must(tm.PutEvent(ctx, 3, evs[2]))

	must(tm.DeleteEvent(ctx, 5)) // the newest: the chain ends early
	check("removing the newest", 5)
}

func testBackup(t *testing.T, s storage.Store) {
	update(t, s, func(tx storage.Tx) error { return tx.Repos().Create(auth.Repo{Name: "acme/web", Created: base}) })
	appendEvents(t, s, 2)
	var buf bytes.Buffer
	if err := s.Backup(ctx, &buf); err != nil || buf.Len() == 0 {
		t.Fatalf("Backup wrote %d bytes, %v", buf.Len(), err)
	}
}
