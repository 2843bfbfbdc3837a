package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func TestRefDecisions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.Svc.SyncProtections(ctx, []auth.Protection{
		{ID: "default-branch", Repo: "*", Ref: "refs/heads/main", Forbid: auth.ChangeForce | auth.ChangeDelete, Description: "the default branch"},
		{ID: "tags", Repo: "*", Ref: "refs/tags/*", Forbid: auth.ChangeForce | auth.ChangeDelete},
		{ID: "release", Repo: "acme/*", Ref: "refs/heads/release/*", Forbid: auth.ChangeUpdate},
	}); err != nil {
		t.Fatal(err)
	}
	plain := f.Grant(t, "user:alice", "acme/payments", auth.LevelWrite, time.Hour)
	force, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "user:bob", Repo: "acme/payments", Level: auth.LevelWrite,
		Ref: "refs/heads/main", Allow: auth.ChangeForce, Duration: time.Hour, Reason: "rewrite"})
	if err != nil {
		t.Fatal(err)
	}
	hotfix, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "user:carol", Repo: "acme/payments", Level: auth.LevelWrite,
		Ref: "refs/heads/hotfix/*", Duration: time.Hour, Reason: "fix"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Svc.CreateUser(ctx, f.Admin, service.NewUser{Name: "dave"}); err != nil {
		t.Fatal(err)
	}
	f.Grant(t, "user:dave", "acme/payments", auth.LevelAdmin, time.Hour)
	old, nu := strings.Repeat("a", 40), strings.Repeat("b", 40)
	ref := func(name string, kind auth.Changes) auth.Action {
		return auth.RefAction(auth.RefUpdate{Name: name, Old: old, New: nu, Kind: kind})
	}
	cases := []struct {
		user    string
		action  auth.Action
		allowed bool
		why     string
	}{
		{"alice", ref("refs/heads/main", auth.ChangeUpdate), true, plain.ID},
		{"alice", ref("refs/heads/main", auth.ChangeForce), false, "refs/heads/main of acme/payments is protected by rule default-branch (the default branch): it cannot be force-pushed with plain write access; alice needs a write grant naming refs/heads/main with --allow force"},
		{"alice", ref("refs/heads/main", auth.ChangeDelete), false, "cannot be deleted"},
		{"alice", ref("refs/heads/topic", auth.ChangeForce), true, plain.ID},
		{"alice", ref("refs/tags/v1", auth.ChangeCreate), true, plain.ID},
		{"alice", ref("refs/tags/v1", auth.ChangeForce), false, "protected by rule tags"},
		{"alice", ref("refs/heads/release/1.0", auth.ChangeCreate), false, "cannot be created"},
		{"bob", ref("refs/heads/main", auth.ChangeForce), true, force.ID},
		{"bob", ref("refs/heads/main", auth.ChangeDelete), false, "with --allow delete"},
		{"bob", ref("refs/heads/topic", auth.ChangeUpdate), false, "bob has no active grant that covers refs/heads/topic of acme/payments"},
		{"carol", ref("refs/heads/hotfix/x", auth.ChangeCreate), true, hotfix.ID},
		{"carol", ref("refs/heads/hotfix/x", auth.ChangeForce), true, hotfix.ID}, // unprotected: naming it is enough
		{"carol", ref("refs/heads/main", auth.ChangeUpdate), false, "carol has no active grant that covers refs/heads/main"},
		{"carol", auth.ActionWrite, true, hotfix.ID}, // the push may start
		{"dave", ref("refs/heads/main", auth.ChangeDelete), true, "lifts protection rule default-branch"},
		{"alice", ref("refs/heads/ma..in", auth.ChangeUpdate), false, "is not a ref update"},
		{"alice", auth.Action{Level: auth.LevelWrite, Ref: auth.RefUpdate{Name: "refs/heads/x", Kind: auth.ChangeForce | auth.ChangeDelete}}, false, "is not a ref update"},
	}
	for _, c := range cases {
		d := f.Decide(t, c.user, "acme/payments", c.action)
		if d.Allowed != c.allowed || !strings.Contains(d.Reason, c.why) {
			t.Errorf("%s %s: allowed=%v reason=%q; want allowed=%v reason containing %q", c.user, c.action, d.Allowed, d.Reason, c.allowed, c.why)
		}
	}
	if d := f.Decide(t, "alice", "acme/payments", ref("refs/heads/main", auth.ChangeForce)); d.Policy != "default-branch" || d.Final {
		t.Errorf("protected refusal: policy %q final %v; want the rule named and a way to ask", d.Policy, d.Final)
	}
}

func TestRefPatterns(t *testing.T) {
	for p, want := range map[string]string{
		"refs/heads/main":      "",
		"refs/heads/release/*": "",
		"refs/heads/release-*": "",
		"refs/heads/*/fix":     "",
		"refs/tags/*":          "",
		"main":                 "must be a full ref name starting with refs/, such as refs/heads/main",
		"refs/*":               "would match every ref",
		"*":                    "would match every ref",
		"refs/heads":           "names a namespace, not a ref",
		"refs/heads/":          "must not end with '/'",
		"refs/heads/a*b":       "'*' inside a component",
		"refs/heads/**":        "'*' inside a component",
		"refs/heads/a..b":      `must not contain ".."`,
		"refs/heads/x.lock":    `ending with ".lock"`,
		"refs/heads/.x":        "starting with '.'",
		"refs/heads/a b":       "a control byte or a space",
		"refs/heads/a\x00b":    "a control byte or a space",
		"refs/heads/a~1":       "~ ^ : ? [",
		"refs/heads//x":        "empty component",
		"refs/heads/x@{1}":     `"@{"`,
		"":                     "is empty",
	} {
		err := auth.ValidateRefPattern(p)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("ValidateRefPattern(%q) = %v; want %q", p, err, want)
		}
	}
	for _, c := range []struct {
		pattern, ref string
		match        bool
	}{
		{"refs/heads/main", "refs/heads/main", true},
		{"refs/heads/main", "refs/heads/main2", false},
		{"refs/heads/release/*", "refs/heads/release/1.0", true},
		{"refs/heads/release/*", "refs/heads/release/1.0/rc", true},
		{"refs/heads/release/*", "refs/heads/release", false},
		{"refs/heads/release-*", "refs/heads/release-2", true},
		{"refs/heads/release-*", "refs/heads/release-", false},
		{"refs/heads/*/fix", "refs/heads/a/fix", true},
		{"refs/heads/*/fix", "refs/heads/a/b/fix", false},
		{"refs/tags/*", "refs/heads/main", false},
	} {
		if got := auth.RefMatches(c.pattern, c.ref); got != c.match {
			t.Errorf("RefMatches(%q, %q) = %v", c.pattern, c.ref, got)
		}
	}
}

// FuzzRefPattern: the parser never panics, a pattern it accepts is a valid
// ref once its stars are replaced, and it never matches a ref outside refs/.
func FuzzRefPattern(f *testing.F) {
	for _, s := range []string{"refs/heads/main", "refs/heads/*", "refs/tags/v*", "refs/*", "main", "refs/heads/a..b", "refs/heads/*/x"} {
		f.Add(s, "refs/heads/main")
	}
	f.Fuzz(func(t *testing.T, p, ref string) {
		if auth.ValidateRefPattern(p) != nil {
			return
		}
		if err := auth.ValidateRefName(strings.ReplaceAll(p, "*", "x")); err != nil {
			t.Fatalf("accepted pattern %q is no ref with its stars filled: %v", p, err)
		}
		if auth.RefMatches(p, ref) && !strings.HasPrefix(ref, "refs/") {
			t.Fatalf("%q matches %q, outside refs/", p, ref)
		}
		if !strings.Contains(p, "*") && auth.RefMatches(p, ref) != (p == ref) {
			t.Fatalf("plain pattern %q matches %q", p, ref)
		}
	})
}
