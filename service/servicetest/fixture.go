// Package servicetest runs the real use cases over real in-memory storage,
// for the tests of the packages above them: no fake stands in for the
// decision or the store.
package servicetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// Clock is a settable time source. The zero Clock is not useful; New sets
// it near the real time, since Badger drops index copies a day after a
// grant ends.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Fixture is a real in-memory store with the audit log and the use cases on
// top, three users (alice; bob in sre; carol in payments) and five
// repositories.
type Fixture struct {
	DB    *badgerstore.DB
	Audit *audit.Log
	Svc   *service.Service
	Clock *Clock
	Admin auth.Identity
}

// Dirs is a RepoFiles that only remembers names; repository files are the
// transports' concern and tested there.
type Dirs map[string]bool

// Stage records name as staged; an error wrapping auth.ErrExists if it
// is staged or published already.
func (d Dirs) Stage(_ context.Context, name string) error {
	if _, ok := d[name]; ok {
		return fmt.Errorf("repository %s: %w", name, auth.ErrExists)
	}
	d[name] = false
	return nil
}

// Publish marks name as in place.
func (d Dirs) Publish(name string) error { d[name] = true; return nil }

// Discard forgets name.
func (d Dirs) Discard(name string) error { delete(d, name); return nil }

// Config is service.DefaultConfig with passwords hashed at the least cost
// argon2id allows: tests hash hundreds of them under the race detector,
// and what they test does not depend on the cost.
func Config() service.Config {
	c := service.DefaultConfig()
	c.PasswordCost = secret.PasswordCost{Time: 1, MemoryKiB: 64}
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secret.NewBox(key)
	if err != nil {
		panic(err) // 32 bytes are always a key
	}
	c.Credentials = box
	return c
}

// New returns a Fixture closed when t ends.
func New(t testing.TB) *Fixture {
	return NewWith(t, Dirs{}, Config())
}

// NewWith is New with the given repository files and limits.
func NewWith(t testing.TB, files service.RepoFiles, cfg service.Config) *Fixture {
	t.Helper()
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	c := &Clock{t: time.Now().UTC().Truncate(time.Second)}
	trail := audit.NewLog(db.Events(), c.Now)
	t.Cleanup(func() { trail.Close(); db.Close() })
	svc := service.New(db, files, trail, cfg, c.Now)
	f := &Fixture{DB: db, Audit: trail, Svc: svc, Clock: c, Admin: auth.LocalAdmin()}
	for _, u := range []service.NewUser{
		{Name: "alice"}, {Name: "bob", Groups: []string{"sre"}}, {Name: "carol", Groups: []string{"payments"}},
	} {
		if _, err := svc.CreateUser(context.Background(), f.Admin, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{"acme/payments", "acme/web", "acme-other/x", "public/docs", "mirrors/linux"} {
		if _, err := svc.CreateRepo(context.Background(), f.Admin, r, ""); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// Grant gives subject level on repo for d, as an administrator.
func (f *Fixture) Grant(t testing.TB, subject, repo string, level auth.Level, d time.Duration) auth.Grant {
	t.Helper()
	g, err := f.Svc.AddGrant(context.Background(), f.Admin, service.NewGrant{Subject: subject, Repo: repo, Level: level, Duration: d, Reason: "test"})
	if err != nil {
		t.Fatalf("grant %s %s: %v", subject, repo, err)
	}
	return g
}

// Who is the identity of the user name as a token proves it; "" is
// anonymous.
func (f *Fixture) Who(t testing.TB, name string) auth.Identity {
	t.Helper()
	if name == "" {
		return auth.Identity{}
	}
	id, err := f.Svc.IdentityOf(context.Background(), name, auth.MethodToken)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Decide asks the one decision function, without an audit record.
func (f *Fixture) Decide(t testing.TB, user, repo string, a auth.Action) auth.Decision {
	t.Helper()
	return f.Svc.Authorizer().Decide(context.Background(), f.Who(t, user), repo, a)
}
