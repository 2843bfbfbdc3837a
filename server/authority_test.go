package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// access is the real access domain under the transports: service.Service
// over in-memory Badger, changed only the way an administrator changes it,
// so a test sees the decisions, messages and audit trail users see.
type access struct {
	t *testing.T
	*servicetest.Fixture
	tokens   map[string]string     // user → jg_ token, the HTTP password
	tokenIDs map[string]string     // user → id of that token
	policies []auth.Policy         // the test's standing policies
	grants   map[string]auth.Grant // "user repo" → the grant made last
}

func newAccess(t *testing.T) *access {
	t.Helper()
	a := &access{t: t, Fixture: servicetest.New(t), tokens: map[string]string{}, tokenIDs: map[string]string{}, grants: map[string]auth.Grant{}}
	for _, u := range []string{"alice", "bob", "carol"} {
		plain, tok, err := a.Svc.CreateToken(context.Background(), a.Admin, u, "git", 0)
		if err != nil {
			t.Fatal(err)
		}
		a.tokens[u], a.tokenIDs[u] = plain, tok.ID
	}
	return a
}

// grant gives user level on repo (exact or owner/*) for an hour.
func (a *access) grant(user, repo string, l auth.Level) auth.Grant {
	a.t.Helper()
	g := a.Grant(a.t, auth.UserPrincipal(user), repo, l, time.Hour)
	a.grants[user+" "+repo] = g
	return g
}

// revoke ends the grant made last for user on repo.
func (a *access) revoke(user, repo string) {
	a.t.Helper()
	g, ok := a.grants[user+" "+repo]
	if !ok {
		a.t.Fatalf("no grant of %s on %s to revoke", user, repo)
	}
	if _, err := a.Svc.RevokeGrant(context.Background(), a.Admin, g.ID, "test"); err != nil {
		a.t.Fatal(err)
	}
}

// allowAnyone lets everybody, signed in or not, have level on repo, by a
// standing policy: grants never name anonymous users.
func (a *access) allowAnyone(repo string, l auth.Level) {
	a.t.Helper()
	id := "anyone-" + strings.ReplaceAll(repo, "/", "-")
	a.policies = append(a.policies, auth.Policy{ID: id, Subjects: []string{auth.PrincipalAnyone}, Repos: []string{repo}, Effect: auth.Allow, Level: l})
	if err := a.Svc.SyncPolicies(context.Background(), "test", a.policies); err != nil {
		a.t.Fatal(err)
	}
}

// addKey registers key as one of user's SSH keys.
func (a *access) addKey(user string, key ssh.PublicKey) {
	a.t.Helper()
	if _, err := a.Svc.AddKey(context.Background(), a.Admin, user, string(ssh.MarshalAuthorizedKey(key))); err != nil {
		a.t.Fatal(err)
	}
}

// removeKey takes key away from user.
func (a *access) removeKey(user string, key ssh.PublicKey) {
	a.t.Helper()
	if err := a.Svc.RemoveKey(context.Background(), a.Admin, user, ssh.FingerprintSHA256(key)); err != nil {
		a.t.Fatal(err)
	}
}

// events returns the audit events of user ("anonymous" for nobody) whose
// action starts with prefix, oldest first, as an auditor lists them.
func (a *access) events(user, prefix string) []audit.Event {
	a.t.Helper()
	evs, err := a.Svc.Events(context.Background(), a.Admin, service.EventFilter{Action: prefix})
	if err != nil {
		a.t.Fatal(err)
	}
	var out []audit.Event
	for _, e := range evs {
		if e.Actor == user {
			out = append(out, e)
		}
	}
	return out
}

// decisions returns the access decisions recorded for user.
func (a *access) decisions(user string) []audit.Event {
	a.t.Helper()
	return a.events(user, "access.")
}
