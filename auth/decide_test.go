package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// TestDecideCases pins what decides and why, over grants, patterns,
// windows, groups, standing policies, denies and mirrors.
func TestDecideCases(t *testing.T) {
	ctx := context.Background()
	db, err := badgerstore.OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The clock must be near the real one: Badger drops index copies a day
	// after a grant ends.
	now := time.Now().UTC().Truncate(time.Second)
	ends := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	grant := func(id, subject, repo string, l auth.Level, starts, ends time.Duration) auth.Grant {
		return auth.Grant{ID: id, Subject: subject, Repo: repo, Level: l, Starts: now.Add(starts),
			Expires: now.Add(ends), Origin: auth.OriginAdmin, Created: now}
	}
	revoked := grant("g_revoked", "user:alice", "acme/old", auth.LevelWrite, -time.Hour, time.Hour)
	revoked.Ended = now.Add(-time.Minute)
	grants := []auth.Grant{
		grant("g_app_read", "user:alice", "acme/app", auth.LevelRead, -time.Hour, 2*time.Hour),
		grant("g_app_write", "user:alice", "acme/app", auth.LevelWrite, -time.Hour, time.Hour),
		grant("g_tools", "user:alice", "tools/*", auth.LevelAdmin, -time.Hour, 3*time.Hour),
		grant("g_later", "user:alice", "acme/later", auth.LevelRead, time.Hour, 2*time.Hour),
		grant("g_gone", "user:alice", "acme/gone", auth.LevelRead, -2*time.Hour, -time.Second),
		revoked,
		grant("g_sre", "group:sre", "infra/*", auth.LevelWrite, -time.Hour, time.Hour),
		grant("g_mirror", "user:alice", "acme/mirror", auth.LevelWrite, -time.Hour, time.Hour),
		grant("g_bob", "user:bob", "acme/app", auth.LevelAdmin, -time.Hour, time.Hour),
	}
	if err := db.CreateGrants(ctx, grants); err != nil {
		t.Fatal(err)
	}
	for _, p := range []auth.Policy{
		{ID: "public", Subjects: []string{auth.PrincipalAnyone}, Repos: []string{"public/*"}, Effect: auth.Allow, Level: auth.LevelRead, Source: "config"},
		{ID: "docs", Subjects: []string{auth.PrincipalUsers}, Repos: []string{"docs/handbook"}, Effect: auth.Allow, Level: auth.LevelWrite, Source: "config"},
		{ID: "freeze", Description: "infra is frozen", Subjects: []string{"group:sre"}, Repos: []string{"infra/core"}, Effect: auth.Deny, Level: auth.LevelWrite, Source: "config"},
		{ID: "approvers", Subjects: []string{"group:sre"}, Repos: []string{"*"}, Effect: auth.Allow, Approve: true, Source: "config"},
	} {
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.Policies().Put(p) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(ctx, func(tx storage.Tx) error {
		return tx.Repos().Create(auth.Repo{Name: "acme/mirror", Mirror: "https://example.com/m.git", Created: now})
	}); err != nil {
		t.Fatal(err)
	}
	a := auth.NewAuthorizer(db, nil, func() time.Time { return now })
	alice := auth.Identity{User: "alice", Groups: []string{"sre"}}
	for _, c := range []struct {
		who     auth.Identity
		repo    string
		action  auth.Action
		allowed bool
		grant   string
		policy  string
		reason  string
	}{
		{alice, "acme/app", auth.ActionRead, true, "g_app_read", "", "grant g_app_read to user:alice (read on acme/app, ends " + ends(2*time.Hour) + ", in 2h)"},
		{alice, "acme/app.git", auth.ActionWrite, true, "g_app_write", "", "grant g_app_write to user:alice (write on acme/app, ends " + ends(time.Hour) + ", in 1h)"},
		{alice, "acme/app", auth.ActionAdmin, false, "", "", "alice has write access to acme/app but no active grant to admin it"},
		{alice, "tools/x", auth.ActionAdmin, true, "g_tools", "", ""},
		{alice, "tools", auth.ActionRead, false, "", "", `"tools" is not a repository name or "read" not an access level`},
		{alice, "acme/later", auth.ActionRead, false, "", "", "alice has no active grant to read acme/later"},
		{alice, "acme/gone", auth.ActionRead, false, "", "", "alice has no active grant to read acme/gone"},
		{alice, "acme/old", auth.ActionRead, false, "", "", "alice has no active grant to read acme/old"},
		{alice, "infra/web", auth.ActionWrite, true, "g_sre", "", ""},
		{alice, "infra/core", auth.ActionRead, true, "g_sre", "", ""},
		{alice, "infra/core", auth.ActionWrite, false, "", "freeze", "policy freeze forbids write access to infra/core for alice: infra is frozen"},
		{alice, "acme/mirror", auth.ActionWrite, false, "", "", "acme/mirror is a read-only mirror of https://example.com/m.git; push to the upstream instead"},
		{alice, "acme/mirror", auth.ActionRead, true, "g_mirror", "", ""},
		{alice, "public/site", auth.ActionRead, true, "", "public", "policy public (read on public/site)"},
		{alice, "public/site", auth.ActionWrite, false, "", "", "alice has read access to public/site but no active grant to write it"},
		{alice, "docs/handbook", auth.ActionWrite, true, "", "docs", "policy docs (write on docs/handbook)"},
		{auth.Identity{}, "public/site", auth.ActionRead, true, "", "public", ""},
		{auth.Identity{}, "docs/handbook", auth.ActionRead, false, "", "", "anonymous read access to docs/handbook is not allowed; sign in with a user name and token"},
		{auth.Identity{User: "bob"}, "acme/app", auth.ActionAdmin, true, "g_bob", "", ""},
		{auth.Identity{User: "bob"}, "infra/web", auth.ActionRead, false, "", "", "bob has no active grant to read infra/web"},
		{auth.Identity{User: "carol"}, "acme/app", auth.ActionRead, false, "", "", "carol has no active grant to read acme/app"},
	} {
		d := a.Decide(ctx, c.who, c.repo, c.action)
		if d.Allowed != c.allowed || d.Grant != c.grant || d.Policy != c.policy || (c.reason != "" && d.Reason != c.reason) {
			t.Errorf("%s %s %s: got allowed=%v grant=%q policy=%q reason=%q", c.who.Name(), c.action, c.repo, d.Allowed, d.Grant, d.Policy, d.Reason)
		}
		if d.Allowed && c.grant != "" && !strings.Contains(d.Reason, c.grant) {
			t.Errorf("%s %s %s: reason %q does not name the grant", c.who.Name(), c.action, c.repo, d.Reason)
		}
	}
}
