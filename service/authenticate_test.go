package service_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

func TestAuthenticate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "pat", Password: "correct horse battery", Groups: []string{"sre"}}); err != nil {
		t.Fatal(err)
	}
	id, err := f.Svc.Authenticate(ctx, "pat", "correct horse battery")
	if err != nil || id.User != "pat" || id.Method != "password" || len(id.Groups) != 1 {
		t.Fatalf("password sign-in: %+v %v", id, err)
	}
	secret, tok, err := f.Svc.CreateToken(ctx, f.Admin, "pat", "ci", 30*24*time.Hour)
	if err != nil || !strings.HasPrefix(secret, "jg_") {
		t.Fatalf("token: %q %v", secret, err)
	}
	if id, err := f.Svc.Authenticate(ctx, "pat", secret); err != nil || id.Method != "token" {
		t.Fatalf("token sign-in: %+v %v", id, err)
	}
	ts, _ := f.Svc.ListTokens(ctx, f.Admin, "pat")
	if len(ts) != 1 || ts[0].Hash != "" {
		t.Fatalf("token list leaks or misses: %+v", ts)
	}
	for _, c := range []struct{ name, user, secret string }{
		{"wrong password", "pat", "wrong horse battery"},
		{"unknown user", "nobody", "correct horse battery"},
		{"empty password", "pat", ""},
		{"empty user", "", secret},
		{"token of another user", "alice", secret},
		{"malformed token", "pat", "jg_short"},
		{"token with a byte changed", "pat", flipLast(secret)},
		{"user without a password", "alice", "anything at all"},
		{"odd user name", "../pat", "correct horse battery"},
	} {
		if _, err := f.Svc.Authenticate(ctx, c.user, c.secret); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want unauthenticated", c.name, err)
		}
	}
	f.Clock.Set(tok.Expires)
	if _, err := f.Svc.Authenticate(ctx, "pat", secret); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("expired token accepted: %v", err)
	}
	f.Clock.Set(tok.Created)
	if err := f.Svc.RevokeToken(ctx, f.Admin, "pat", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Authenticate(ctx, "pat", secret); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("revoked token accepted: %v", err)
	}
	evs, _ := f.Svc.Events(ctx, f.Admin, service.EventFilter{})
	for _, e := range evs {
		if strings.Contains(e.Detail+e.Target, secret) || strings.Contains(e.Detail, "horse") {
			t.Fatalf("a secret reached the audit trail: %+v", e)
		}
	}
}

func TestNames(t *testing.T) {
	good := map[string]string{
		"acme/payments": "acme/payments", "acme/payments.git": "acme/payments", "a-1/b_c.d": "a-1/b_c.d",
	}
	for in, want := range good {
		if got, err := auth.CanonicalRepo(in); err != nil || got != want {
			t.Errorf("CanonicalRepo(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "acme", "/acme/x", "acme/x/y", "../x", "acme/..", "acme/.x", "-acme/x", "acme/-x", "ACME/x", "acme/X",
		"acme/x.git.git", "acme/x.", "acme/a..b", "acme/x\x00", "acme/x\n", "acme/ x", "acme\\x", "acme/%2e%2e", "acme//x",
		"acme/" + strings.Repeat("x", 101),
	} {
		if got, err := auth.CanonicalRepo(in); err == nil {
			t.Errorf("CanonicalRepo(%q) = %q, want an error", in, got)
		}
	}
	if !auth.RepoMatches("acme/*", "acme/x") || auth.RepoMatches("acme/*", "acme-other/x") || auth.RepoMatches("acme/*", "acme/") {
		t.Error("RepoMatches owner/* is wrong")
	}
}

func TestParseDuration(t *testing.T) {
	week := 7 * 24 * time.Hour
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "2h": 2 * time.Hour, "7d": week, "1d12h": 36 * time.Hour} {
		if got, err := auth.ParseDuration(in, week); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "0s", "-1h", "1x", "d", "-1d", "8d", "7d1s", "99999999999999999d", "9223372036854775807ns1h", "1d-1h", "2562048h"} {
		if got, err := auth.ParseDuration(in, week); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
	if got := auth.FormatDuration(36*time.Hour + 90*time.Second); got != "1d12h1m30s" {
		t.Errorf("FormatDuration = %q", got)
	}
}

// flipLast changes the last character of s to a different one.
func flipLast(s string) string {
	if s[len(s)-1] == 'A' {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}

func TestDisabledUserLosesEverything(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "quinn", Password: "quinn-password", Groups: []string{"sre"}}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := f.Svc.CreateToken(ctx, f.Admin, "quinn", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Grant(t, "user:quinn", "acme/payments", auth.LevelWrite, time.Hour)
	yes := true
	if _, err := f.Svc.UpdateUser(ctx, f.Admin, "quinn", service.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Authenticate(ctx, "quinn", secret); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("token of a disabled user: %v", err)
	}
	if _, err := f.Svc.Authenticate(ctx, "quinn", "quinn-password"); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("password of a disabled user: %v", err)
	}
	if _, err := f.Svc.IdentityOf(ctx, "quinn", "ssh-key"); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("SSH key or session of a disabled user: %v", err)
	}
	no := false
	if _, err := f.Svc.UpdateUser(ctx, f.Admin, "quinn", service.UserChange{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Authenticate(ctx, "quinn", secret); err != nil {
		t.Errorf("token after enabling again: %v", err)
	}
	self := auth.Identity{User: "root", Admin: true}
	if _, err := f.Svc.UpdateUser(ctx, self, "root", service.UserChange{Disabled: &yes}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("an admin disabled herself: %v", err)
	}
	if _, err := f.Svc.UpdateUser(ctx, f.Who(t, "alice"), "quinn", service.UserChange{Disabled: &yes}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a non-admin disabled a user: %v", err)
	}
	evs, _ := f.Svc.Events(ctx, f.Admin, service.EventFilter{Action: "user.update"})
	if len(evs) != 2 || evs[0].Detail != "disabled=true" {
		t.Fatalf("user.update events: %+v", evs)
	}
}

func TestReservedUserNames(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"anonymous", "system", "policy", "local-admin", "users", "anyone"} {
		if _, err := f.Svc.CreateUser(context.Background(), f.Admin, service.NewUser{Name: name}); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("user %q: err = %v, want it refused: the audit trail would confuse it with the built-in actor", name, err)
		}
	}
}

// TestChangePasswordIsNotAGuessingOracle: whoever holds a session or token
// of a user may not try current passwords without limit, as sign-in may not.
func TestChangePasswordIsNotAGuessingOracle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "pat", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	who := f.Who(t, "pat")
	for i := range 5 {
		if err := f.Svc.ChangePassword(ctx, who, "guess-"+string(rune('a'+i)), "a-new-password"); !errors.Is(err, auth.ErrForbidden) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if err := f.Svc.ChangePassword(ctx, who, "correct horse battery", "a-new-password"); err == nil {
		t.Fatal("the right guess after five wrong ones went through at once")
	}
	if _, err := f.Svc.Authenticate(ctx, "pat", "correct horse battery"); err != nil {
		t.Fatalf("the password changed while throttled: %v", err)
	}
	f.Clock.Advance(5*time.Minute + time.Second)
	if err := f.Svc.ChangePassword(ctx, who, "correct horse battery", "a-new-password"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// racyStore runs hook once, right after the next read-only transaction
// that read a user record: a change that lands while a sign-in checks the
// old password.
type racyStore struct {
	*badgerstore.DB
	hook func()
}

func (s *racyStore) View(ctx context.Context, fn func(storage.Tx) error) error {
	var t userSpy
	err := s.DB.View(ctx, func(tx storage.Tx) error { t = userSpy{Tx: tx}; return fn(&t) })
	if h := s.hook; h != nil && t.read {
		s.hook = nil
		h()
	}
	return err
}

// userSpy notes whether a user record was read through it.
type userSpy struct {
	storage.Tx
	read bool
}

func (t *userSpy) Users() storage.Users { t.read = true; return t.Tx.Users() }

// TestSignInRacingAPasswordChangeMakesNoLiveSession: a sign-in that checked
// the old password while the password changed gets no session that
// outlives the change.
func TestSignInRacingAPasswordChangeMakesNoLiveSession(t *testing.T) {
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now().UTC()
	var ticks atomic.Int64 // every reading of the clock is a millisecond later
	now := func() time.Time { return t0.Add(time.Duration(ticks.Add(1)) * time.Millisecond) }
	store := &racyStore{DB: db}
	audit := audit.NewLog(db.Events(), now)
	t.Cleanup(func() { audit.Close(); db.Close() })
	svc := service.New(store, servicetest.Dirs{}, audit, servicetest.Config(), now)
	ctx := context.Background()
	admin := auth.LocalAdmin()
	if _, err := svc.CreateUser(ctx, admin, service.NewUser{Name: "pat", Password: "the-old-password"}); err != nil {
		t.Fatal(err)
	}
	store.hook = func() {
		if err := svc.SetPassword(ctx, admin, "pat", "the-new-password"); err != nil {
			t.Error(err)
		}
	}
	secret, _, err := svc.SignIn(ctx, "pat", "the-old-password", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if store.hook != nil {
		t.Fatal("the password change did not run during the sign-in")
	}
	if who, _, err := svc.SessionIdentity(ctx, secret); err == nil {
		t.Fatalf("a session signed in with the old password outlives the change: %+v", who)
	}
}

func TestRevalidateChecksTheCredentialAgain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pub := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop"
	k, err := f.Svc.AddKey(ctx, f.Admin, "alice", pub)
	if err != nil {
		t.Fatal(err)
	}
	who := auth.Identity{User: "alice", Method: auth.MethodSSHKey, Credential: "key:" + k.Fingerprint, Remote: "192.0.2.1:22", Transport: "ssh"}
	fresh, err := f.Svc.Revalidate(ctx, who)
	if err != nil || fresh.Remote != who.Remote || fresh.Credential != who.Credential {
		t.Fatalf("a valid key: %+v %v", fresh, err)
	}
	if err := f.Svc.RemoveKey(ctx, f.Admin, "alice", k.Fingerprint); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.Revalidate(ctx, who); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("a removed key: %v", err)
	}
	secret, tok, _ := f.Svc.CreateToken(ctx, f.Admin, "alice", "", time.Hour)
	id, err := f.Svc.Authenticate(ctx, "alice", secret)
	if err != nil || id.Credential != "token:"+tok.ID {
		t.Fatalf("token identity: %+v %v", id, err)
	}
	f.Clock.Set(tok.Expires)
	if _, err := f.Svc.Revalidate(ctx, id); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("an expired token: %v", err)
	}
}
