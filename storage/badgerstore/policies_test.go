package badgerstore

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func policyIDs(ps []auth.Policy) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestPolicies(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	ps := []auth.Policy{
		{ID: "p1", Subjects: []string{"user:alice", "group:sre"}, Repos: []string{"acme/*"}, Effect: auth.Allow, Level: auth.LevelRead, Source: "config"},
		{ID: "p2", Subjects: []string{"anyone"}, Repos: []string{"pub/*"}, Effect: auth.Allow, Level: auth.LevelRead, Source: "config"},
		{ID: "p3", Subjects: []string{"group:contractors"}, Repos: []string{"acme/secret"}, Effect: auth.Deny, Level: auth.LevelRead, Source: "admin"},
	}
	for _, p := range ps {
		if err := db.PutPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, db.PutPolicy(ctx, auth.Policy{ID: "bad", Subjects: []string{"a/b"}}), auth.ErrInvalid)

	got, err := db.PoliciesFor(ctx, []string{"user:alice", "group:sre", "users", "anyone"})
	if err != nil {
		t.Fatal(err)
	}
	if ids, want := policyIDs(got), []string{"p1", "p2"}; !reflect.DeepEqual(ids, want) {
		t.Fatalf("PoliciesFor = %v, want %v", ids, want)
	}

	// Replacing a policy moves its index entries.
	p1 := ps[0]
	p1.Subjects = []string{"group:sre"}
	p1.Description = "sre only"
	if err := db.PutPolicy(ctx, p1); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.PoliciesFor(ctx, []string{"user:alice"}); len(got) != 0 {
		t.Fatalf("old subject still indexed: %+v", got)
	}
	if got, _ := db.PoliciesFor(ctx, []string{"group:sre"}); len(got) != 1 || got[0].Description != "sre only" {
		t.Fatalf("PoliciesFor(group:sre) = %+v", got)
	}

	all, err := db.ListPolicies(ctx)
	if err != nil || !reflect.DeepEqual(policyIDs(all), []string{"p1", "p2", "p3"}) {
		t.Fatalf("ListPolicies = %v, %v", policyIDs(all), err)
	}

	if err := db.DeletePolicy(ctx, "p3"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, db.DeletePolicy(ctx, "p3"), auth.ErrNotFound)
	if got, _ := db.PoliciesFor(ctx, []string{"group:contractors"}); len(got) != 0 {
		t.Fatalf("deleted policy still indexed: %+v", got)
	}
}
