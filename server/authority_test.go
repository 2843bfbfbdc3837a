package server

import (
	"context"
	"fmt"
	"sync"

	"github.com/jitgit/jitgit/auth"
)

// fakeAuthority is an Authority with a mutable grant table.
type fakeAuthority struct {
	mu        sync.Mutex
	passwords map[string]string     // user → password
	grants    map[string]auth.Level // "user repo" ("" user: anonymous) → level
	// writeBudget, when set for a user, is how many write checks are
	// allowed before every further one is denied.
	writeBudget map[string]int
	calls       []authCall
}

type authCall struct {
	who     auth.Identity
	repo    string
	action  auth.Action
	allowed bool
}

func newFakeAuthority() *fakeAuthority {
	return &fakeAuthority{
		passwords:   map[string]string{},
		grants:      map[string]auth.Level{},
		writeBudget: map[string]int{},
	}
}

func (f *fakeAuthority) Authenticate(ctx context.Context, user, secret string) (auth.Identity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pw, ok := f.passwords[user]; !ok || pw != secret {
		return auth.Identity{}, fmt.Errorf("user %q: %w", user, auth.ErrUnauthenticated)
	}
	return auth.Identity{User: user, Method: auth.MethodPassword}, nil
}

func (f *fakeAuthority) Authorize(ctx context.Context, who auth.Identity, repo string, action auth.Action) auth.Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := auth.Decision{Level: action}
	if f.grants[who.User+" "+repo].Implies(action) {
		d.Allowed, d.Grant, d.Reason = true, "g_test", "grant g_test"
	}
	if budget, ok := f.writeBudget[who.User]; ok && action == auth.ActionWrite && d.Allowed {
		if budget <= 0 {
			d.Allowed, d.Grant = false, ""
		}
		f.writeBudget[who.User] = budget - 1
	}
	if !d.Allowed {
		d.Reason = fmt.Sprintf("%s has no active grant to %s %s", who.Name(), action, repo)
	}
	f.calls = append(f.calls, authCall{who: who, repo: repo, action: action, allowed: d.Allowed})
	return d
}

func (f *fakeAuthority) setUser(user, password string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.passwords[user] = password
}

func (f *fakeAuthority) grant(user, repo string, l auth.Level) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.grants[user+" "+repo] = l
}

func (f *fakeAuthority) setWriteBudget(user string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writeBudget[user] = n
}

// callsOf returns the checks made for user.
func (f *fakeAuthority) callsOf(user string) []authCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []authCall
	for _, c := range f.calls {
		if c.who.User == user {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeAuthority) Revalidate(ctx context.Context, who auth.Identity) (auth.Identity, error) {
	return who, nil
}
