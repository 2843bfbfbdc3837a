package main

import (
	"slices"
	"testing"
)

func TestPermute(t *testing.T) {
	app := newApp()
	for _, c := range []struct{ in, want []string }{
		{[]string{"jitgit", "user", "add", "alice", "--admin", "--group", "sre"}, []string{"jitgit", "user", "add", "--admin", "--group", "sre", "alice"}},
		{[]string{"jitgit", "user", "token", "create", "alice", "--expires", "30d"}, []string{"jitgit", "user", "token", "create", "--expires", "30d", "alice"}},
		{[]string{"jitgit", "grant", "list", "--data", "/d", "--json"}, []string{"jitgit", "--data", "/d", "grant", "list", "--json"}},
		{[]string{"jitgit", "--data", "/d", "repo", "create", "a/b", "--description", "x y"}, []string{"jitgit", "--data", "/d", "repo", "create", "--description", "x y", "a/b"}},
		{[]string{"jitgit", "user", "key", "add", "alice", "-"}, []string{"jitgit", "user", "key", "add", "alice", "-"}},
		{[]string{"jitgit", "grant", "revoke", "--", "-g"}, []string{"jitgit", "grant", "revoke", "--", "-g"}},
	} {
		if got := permute(app, c.in); !slices.Equal(got, c.want) {
			t.Errorf("permute(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
