package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// TestEveryFailedPasswordCostsOneCheck: a wrong password costs one argon2id
// check whether the user is unknown, has no password (CI and token-only
// users) or is disabled, so the time of the answer tells nothing.
func TestEveryFailedPasswordCostsOneCheck(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, nu := range []service.NewUser{{Name: "withpw", Password: "correct horse battery"}, {Name: "off", Password: "correct horse battery"}} {
		if _, err := f.Svc.CreateUser(ctx, f.Admin, nu); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.Svc.UpdateUser(ctx, f.Admin, "off", service.UserChange{Disabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, user, pw string }{
		{"unknown user", "nobody", "some password"},
		{"user without a password", "alice", "some password"},
		{"disabled user, right password", "off", "correct horse battery"},
		{"wrong password", "withpw", "some password"},
	} {
		before := f.Svc.PasswordChecks()
		if _, err := f.Svc.Authenticate(ctx, c.user, c.pw); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("%s: %v", c.what, err)
		}
		if n := f.Svc.PasswordChecks() - before; n != 1 {
			t.Errorf("%s: %d argon2id checks, want 1", c.what, n)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestNameOnRecord: a name typed at sign-in reaches the record only when it
// is an existing user's; a password or token typed in the name field does
// not, in any form.
func TestNameOnRecord(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if got := f.Svc.NameOnRecord(ctx, "alice"); got != "alice" {
		t.Errorf("existing user: %q", got)
	}
	for _, typed := range []string{"my-password", "jg_" + strings.Repeat("Ab3", 14), "hunter2hunter2hunter2x9", "Tr0ub4dor&3", "nobody"} {
		got := f.Svc.NameOnRecord(ctx, typed)
		if got == typed || strings.Contains(got, typed) || !strings.HasPrefix(got, "name#") || len(got) != len("name#")+8 {
			t.Errorf("%q on record as %q", typed, got)
		}
		if again := f.Svc.NameOnRecord(ctx, typed); again != got {
			t.Errorf("%q: hash not stable: %q then %q", typed, got, again)
		}
	}
}

// TestConcurrentPasswordChecksCapped: a burst of password attempts runs at
// most one check per core; what cannot queue briefly is ErrBusy, never
// another error.
func TestConcurrentPasswordChecksCapped(t *testing.T) {
	cfg := servicetest.Config()
	cfg.PasswordCost = secret.PasswordCost{Time: 1, MemoryKiB: 8 << 10}
	f := servicetest.NewWith(t, servicetest.Dirs{}, cfg)
	ctx := context.Background()
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "pat", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	busy := 0
	for range 200 {
		wg.Go(func() {
			_, err := f.Svc.Authenticate(ctx, "pat", "wrong password")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, secret.ErrBusy):
				busy++
			case !errors.Is(err, auth.ErrUnauthenticated):
				t.Errorf("unexpected: %v", err)
			}
		})
	}
	wg.Wait()
	if busy == 0 {
		t.Fatal("200 concurrent password checks all ran: no cap")
	}
	t.Logf("%d of 200 refused as busy", busy)
}
