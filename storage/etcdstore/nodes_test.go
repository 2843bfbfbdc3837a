package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/etcdtest"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// twoNodes opens two stores on one prefix, each with its own etcd client,
// as two jitgit nodes are.
func twoNodes(t testing.TB, c *etcdtest.Cluster, opts Options) (a, b *DB) {
	t.Helper()
	opts.Prefix = fmt.Sprintf("/nodes/%d/", prefixes.Add(1))
	if opts.MaxTxnOps == 0 {
		opts.MaxTxnOps = etcdtest.MaxTxnOps
	}
	open := func(cli *clientv3.Client) *DB {
		db, err := Open(context.Background(), cli, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(c.Client(t)), open(c.Client(t))
}

// eventually polls cond, with a bound, until it holds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 10s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func testGrant(id, subject string, now time.Time) auth.Grant {
	return auth.Grant{ID: id, Subject: subject, Repo: "acme/app", Level: auth.LevelWrite, Starts: now.Add(-time.Minute),
		Expires: now.Add(time.Hour), Reason: "test", Origin: auth.OriginAdmin, CreatedBy: "admin", Created: now}
}

func grantIDs(t testing.TB, db *DB, subject string, now time.Time) []string {
	t.Helper()
	gs, err := db.GrantsFor(context.Background(), []string{subject}, now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range gs {
		if g.EndedBy == "" {
			out = append(out, g.ID)
		}
	}
	return out
}

// TestChangeOnOneNodeRefusedOnTheOther: a grant revoked, a user disabled
// and a key removed through node A are what node B decides from next: the
// grant within the watch's delay (B had it cached), the user and the key at
// once (they are read in a transaction, never cached).
func TestChangeOnOneNodeRefusedOnTheOther(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t, etcdtest.Start(t, 1), Options{})
	now := time.Now().UTC().Truncate(time.Second)
	g := testGrant("g1", "user:alice", now)
	key := auth.Key{Fingerprint: "SHA256:abc", User: "alice", Type: "ssh-ed25519", Authorized: "ssh-ed25519 AAAA", Created: now}
	if err := a.Update(ctx, func(tx storage.Tx) error {
		return errors.Join(tx.Users().Create(auth.User{Name: "alice", Created: now}), tx.Keys().Create(key), tx.Grants().Create(g))
	}); err != nil {
		t.Fatal(err)
	}
	// B sees the grant and caches it.
	if got := grantIDs(t, b, "user:alice", now); !slices.Equal(got, []string{"g1"}) {
		t.Fatalf("B GrantsFor = %v", got)
	}
	if got := grantIDs(t, b, "user:alice", now); !slices.Equal(got, []string{"g1"}) {
		t.Fatalf("B GrantsFor, cached = %v", got)
	}
	g.Ended, g.EndedBy = now, "admin"
	if err := a.Update(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().Get("alice")
		if err != nil {
			return err
		}
		u.Disabled = true
		return errors.Join(tx.Grants().Update(g), tx.Users().Update(u), tx.Keys().Delete("alice", key.Fingerprint))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.View(ctx, func(tx storage.Tx) error {
		u, err := tx.Users().Get("alice")
		if err != nil || !u.Disabled {
			return fmt.Errorf("B user = %+v, %v; want disabled", u, err)
		}
		if _, err := tx.Keys().Get(key.Fingerprint); !errors.Is(err, auth.ErrNotFound) {
			return fmt.Errorf("B key after removal: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B refuses the revoked grant", func() bool { return len(grantIDs(t, b, "user:alice", now)) == 0 })
}

// TestTwoNodesAppendOneChain: two nodes appending at once make one chain,
// one sequence without gap or fork.
func TestTwoNodesAppendOneChain(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t, etcdtest.Start(t, 1), Options{})
	const batches, per = 40, 5
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for n, db := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range batches {
				evs := make([]audit.Event, per)
				for j := range evs {
					evs[j] = audit.Event{Action: "check", Actor: fmt.Sprintf("node%d", n), Detail: fmt.Sprintf("%d.%d", i, j)}
				}
				if _, err := db.Events().AppendEvents(ctx, evs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := b.Events().Verify(ctx); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	if err := a.Events().Scan(ctx, 0, false, func(e audit.Event) bool { seqs = append(seqs, e.Seq); return true }); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2*batches*per || seqs[0] != 1 || seqs[len(seqs)-1] != uint64(len(seqs)) {
		t.Fatalf("%d events, first %d, last %d; want %d numbered from 1", len(seqs), seqs[0], seqs[len(seqs)-1], 2*batches*per)
	}
}

// TestFailClosed: with one of three members down the store works; with
// two down reads, decisions and appends fail within the request timeout,
// naming etcd, and the cache no longer answers; with one back it works.
func TestFailClosed(t *testing.T) {
	ctx := context.Background()
	c := etcdtest.Start(t, 3)
	const timeout = time.Second
	a, _ := twoNodes(t, c, Options{RequestTimeout: timeout})
	now := time.Now().UTC().Truncate(time.Second)
	if err := a.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(testGrant("g1", "user:alice", now)) }); err != nil {
		t.Fatal(err)
	}
	works := func() error {
		if _, err := a.GrantsFor(ctx, []string{"user:alice"}, now); err != nil {
			return err
		}
		if _, err := a.Events().AppendEvents(ctx, []audit.Event{{Action: "check", Actor: "alice"}}); err != nil {
			return err
		}
		return a.View(ctx, func(tx storage.Tx) error { _, err := tx.Grants().Get("g1"); return err })
	}
	c.Stop(0)
	eventually(t, "works with one member down", func() bool { return works() == nil })

	c.Stop(1)
	// The cache vouched for by the watch until staleAfter; after that
	// every call goes to etcd and fails.
	eventually(t, "fails with two members down", func() bool {
		_, err := a.GrantsFor(ctx, []string{"user:alice"}, now)
		return err != nil
	})
	start := time.Now()
	_, err := a.GrantsFor(ctx, []string{"user:alice"}, now)
	if took := time.Since(start); took > 3*timeout {
		t.Errorf("GrantsFor took %v with the timeout %v", took, timeout)
	}
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "etcd") {
		t.Errorf("GrantsFor without quorum: %v; want ErrUnavailable naming etcd", err)
	}
	if _, err := a.Events().AppendEvents(ctx, []audit.Event{{Action: "check", Actor: "alice"}}); err == nil {
		t.Error("AppendEvents without quorum succeeded")
	}
	if err := a.View(ctx, func(tx storage.Tx) error { _, err := tx.Users().List(); return err }); err == nil {
		t.Error("View without quorum succeeded")
	}

	c.Restart(1)
	eventually(t, "works again with a member back", func() bool { return works() == nil })
	if err := a.Events().Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestCacheAnswersOnlyWhileTheWatchIsHeard: a subject's grants read once
// are cached; once the watch has not been heard from for staleAfter, the
// cache neither answers nor keeps what is read.
func TestCacheAnswersOnlyWhileTheWatchIsHeard(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, etcdtest.Start(t, 1).Client(t))
	now := time.Now().UTC()
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Grants().Create(testGrant("g1", "user:alice", now)) }); err != nil {
		t.Fatal(err)
	}
	cached := func() bool {
		_, missing, _ := lookup(db.cache, db.cache.grants, []string{"user:alice"})
		return len(missing) == 0
	}
	eventually(t, "the grants are cached", func() bool { grantIDs(t, db, "user:alice", now); return cached() })

	db.cache.mu.Lock()
	db.cache.now = func() time.Time { return time.Now().Add(staleAfter + time.Second) }
	db.cache.mu.Unlock()
	if cached() {
		t.Fatal("a cache not vouched for by the watch answered")
	}
	if got := grantIDs(t, db, "user:alice", now); !slices.Equal(got, []string{"g1"}) {
		t.Fatalf("GrantsFor from etcd = %v", got)
	}
}

// TestBackupLoadsIntoAnotherPrefix: a backup read at one revision loads
// into an empty prefix whole: the records and a chain that verifies.
func TestBackupLoadsIntoAnotherPrefix(t *testing.T) {
	ctx := context.Background()
	cli := etcdtest.Start(t, 1).Client(t)
	src, dst := openTest(t, cli), openTest(t, cli)
	now := time.Now().UTC().Truncate(time.Second)
	if err := src.Update(ctx, func(tx storage.Tx) error {
		return errors.Join(tx.Users().Create(auth.User{Name: "alice", Created: now}), tx.Grants().Create(testGrant("g1", "user:alice", now)))
	}); err != nil {
		t.Fatal(err)
	}
	for i := range 600 { // more than a page of events
		if _, err := src.Events().AppendEvents(ctx, []audit.Event{{Action: "check", Actor: "alice", Detail: fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	var buf strings.Builder
	if err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if err := dst.Load(ctx, strings.NewReader(buf.String())); err != nil {
		t.Fatal(err)
	}
	if err := dst.Events().Verify(ctx); err != nil {
		t.Fatal(err)
	}
	if got := grantIDs(t, dst, "user:alice", now); !slices.Equal(got, []string{"g1"}) {
		t.Fatalf("GrantsFor after Load = %v", got)
	}
	n := 0
	if err := dst.Events().Scan(ctx, 0, false, func(audit.Event) bool { n++; return true }); err != nil || n != 600 {
		t.Fatalf("Scan after Load: %d events, %v", n, err)
	}
	if err := dst.Load(ctx, strings.NewReader("not a backup")); err == nil {
		t.Fatal("Load took something that is not a backup")
	}
}

// TestExpiringRecordsHaveLeases: a session and a grant's index copy are
// attached to a lease that ends after they do (clean-up only), a record
// without an end to none.
func TestExpiringRecordsHaveLeases(t *testing.T) {
	ctx := context.Background()
	cli := etcdtest.Start(t, 1).Client(t)
	db := openTest(t, cli)
	now := time.Now().UTC()
	g := testGrant("g1", "user:alice", now)
	if err := db.Update(ctx, func(tx storage.Tx) error {
		return errors.Join(tx.Grants().Create(g), tx.Sessions().Create(auth.Session{Hash: "h1", User: "alice", Created: now, Expires: now.Add(time.Hour)}),
			tx.Users().Create(auth.User{Name: "alice", Created: now}))
	}); err != nil {
		t.Fatal(err)
	}
	for key, wantAfter := range map[string]time.Time{
		record.PrefixSession + "h1":                     now.Add(time.Hour),
		string(record.GrantSubjectKey(g.Subject, g.ID)): g.End().Add(indexGrace),
		record.PrefixUser + "alice":                     {},
	} {
		resp, err := cli.Get(ctx, db.prefix+key)
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("%s: %v", key, err)
		}
		id := clientv3.LeaseID(resp.Kvs[0].Lease)
		if wantAfter.IsZero() {
			if id != 0 {
				t.Errorf("%s has a lease", key)
			}
			continue
		}
		ttl, err := cli.TimeToLive(ctx, id)
		if err != nil || ttl.TTL <= 0 {
			t.Fatalf("%s: lease %x: %+v, %v", key, id, ttl, err)
		}
		if ends := time.Now().Add(time.Duration(ttl.TTL) * time.Second); ends.Before(wantAfter) {
			t.Errorf("%s: lease ends %v, before %v", key, ends, wantAfter)
		}
	}
}
