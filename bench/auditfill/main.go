// Command auditfill appends N access events to the audit trail of a
// stopped server's data directory, in batches as the audit writer makes
// them, for bench/audit.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

func main() {
	data := flag.String("data", "", "the data directory")
	n := flag.Int("n", 1_000_000, "events to append")
	flag.Parse()
	if err := fill(*data, *n); err != nil {
		fmt.Fprintln(os.Stderr, "auditfill:", err)
		os.Exit(1)
	}
}

func fill(data string, n int) error {
	db, err := badgerstore.Open(filepath.Join(data, "db"), badgerstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	start := time.Now().UTC().Add(-time.Duration(n) * time.Millisecond)
	const batch = 1000
	evs := make([]audit.Event, 0, batch)
	for i := 0; i < n; i += batch {
		evs = evs[:0]
		for j := i; j < min(i+batch, n); j++ {
			evs = append(evs, audit.Event{Time: start.Add(time.Duration(j) * time.Millisecond), Actor: fmt.Sprintf("user%03d", j%500),
				Remote: "192.0.2.7:52144", Transport: "http", Action: "access.read", Repo: "acme/payments", Result: "allow",
				Grant: "g_0123456789abcd", Detail: "grant g_0123456789abcd allows read until 2026-03-01 10:00"})
		}
		if _, err := db.Events().AppendEvents(ctx, evs); err != nil {
			return err
		}
	}
	return nil
}
