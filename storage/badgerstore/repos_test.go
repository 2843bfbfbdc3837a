package badgerstore

import (
	"context"
	"reflect"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

func TestRepos(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a := auth.Repo{Name: "acme/web", CreatedBy: "alice", Created: t0}
	b := auth.Repo{Name: "acme-2/api", Mirror: "https://example.com/x.git", CreatedBy: "alice", Created: t0}
	c := auth.Repo{Name: "acme/api", CreatedBy: "alice", Created: t0}
	for _, r := range []auth.Repo{a, b, c} {
		if err := db.CreateRepo(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, db.CreateRepo(ctx, auth.Repo{Name: "acme/web"}), auth.ErrExists)
	got, err := db.GetRepo(ctx, "acme-2/api")
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("GetRepo = %+v, %v", got, err)
	}
	_, err = db.GetRepo(ctx, "acme/none")
	wantErr(t, err, auth.ErrNotFound)

	rs, err := db.ListRepos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	if want := []string{"acme-2/api", "acme/api", "acme/web"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("ListRepos = %v, want %v", names, want)
	}
}
