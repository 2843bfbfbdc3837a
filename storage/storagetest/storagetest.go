// Package storagetest is the contract test suite of package storage: every
// backend runs Run against fresh stores of its own and must pass it. The
// suite uses nothing but the contract (and, to damage an audit trail,
// Tamperer), so a second backend is held to exactly what the first is.
package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
)

// Tamperer is what a backend's test gives besides the contract so that the
// suite can check that Events.Verify finds a damaged trail: it writes or
// removes the stored event under seq directly, without the chain. Stores
// that do not implement it skip those tests.
type Tamperer interface {
	PutEvent(ctx context.Context, seq uint64, e audit.Event) error
	DeleteEvent(ctx context.Context, seq uint64) error
}

// Run runs the suite. open returns a new, empty store, closed when its
// test ends.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	for _, c := range []struct {
		name string
		test func(*testing.T, storage.Store)
	}{
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"Keys", testKeys},
		{"Sessions", testSessions},
		{"Repos", testRepos},
		{"RepoDelete", testRepoDelete},
		{"Credentials", testCredentials},
		{"Grants", testGrants},
		{"GrantWindow", testGrantWindow},
		{"GrantPages", testGrantPages},
		{"RequestPages", testRequestPages},
		{"Policies", testPolicies},
		{"Protections", testProtections},
		{"Requests", testRequests},
		{"ViewIsReadOnly", testViewIsReadOnly},
		{"FailedUpdateWritesNothing", testFailedUpdateWritesNothing},
		{"CancelledContext", testCancelledContext},
		{"ConcurrentCreates", testConcurrentCreates},
		{"NoLostUpdate", testNoLostUpdate},
		{"CheckThenCreateIsSerialised", testCheckThenCreate},
		{"AuditChain", testAuditChain},
		{"AuditScan", testAuditScan},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Intents", testIntents},
		{"Deliveries", testDeliveries},
		{"VerifyFindsTampering", testVerifyFindsTampering},
		{"Checkpoints", testCheckpoints},
		{"Backup", testBackup},
		{"BatchAllOrNone", testBatchAllOrNone},
		{"BatchAbort", testBatchAbort},
		{"BatchExtends", testBatchExtends},
	} {
		t.Run(c.name, func(t *testing.T) { c.test(t, open(t)) })
	}
}

// base is a fixed instant near the real clock: a backend may drop records
// (index copies, sessions) some time after they end by the real clock.
var base = time.Now().UTC().Truncate(time.Second).Add(time.Hour)

func update(t *testing.T, s storage.Store, fn func(storage.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// get reads one value in a View and fails the test on an error.
func get[T any](t *testing.T, s storage.Store, fn func(storage.Tx) (T, error)) T {
	t.Helper()
	v, err := view(s, fn)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func view[T any](s storage.Store, fn func(storage.Tx) (T, error)) (T, error) {
	var v T
	err := s.View(context.Background(), func(tx storage.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

var ctx = context.Background()
