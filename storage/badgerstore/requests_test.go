package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

func pendingRequest(id string, created time.Time) auth.Request {
	return auth.Request{ID: id, Requester: "alice", Repo: "acme/app", Level: auth.LevelWrite,
		Duration: time.Hour, Reason: "deploy", Status: auth.StatusPending, Created: created,
		Expires: created.Add(24 * time.Hour), Needed: 1}
}

// approve is the approval step the way auth does it: only a pending request
// can be approved, and approving makes the grant.
func approve(by string, now time.Time) func(*auth.Request) (*auth.Grant, error) {
	return func(r *auth.Request) (*auth.Grant, error) {
		if r.Status != auth.StatusPending {
			return nil, fmt.Errorf("request %s is %s: %w", r.ID, r.Status, auth.ErrConflict)
		}
		r.Status, r.Decided, r.Grant = auth.StatusApproved, now, "g-"+r.ID+"-"+by
		r.Reviews = append(r.Reviews, auth.Review{By: by, Approved: true, At: now})
		return &auth.Grant{ID: r.Grant, Subject: auth.UserPrincipal(r.Requester), Repo: r.Repo,
			Level: r.Level, Starts: now, Expires: now.Add(r.Duration), Origin: auth.OriginRequest,
			Request: r.ID, CreatedBy: by, Created: now}, nil
	}
}

func TestRequests(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	r1, r2 := pendingRequest("r1", t0), pendingRequest("r2", t0.Add(time.Hour))
	for _, r := range []auth.Request{r1, r2} {
		if err := db.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, db.CreateRequest(ctx, r1), auth.ErrExists)
	got, err := db.GetRequest(ctx, "r1")
	if err != nil || !reflect.DeepEqual(got, r1) {
		t.Fatalf("GetRequest = %+v, %v", got, err)
	}
	_, err = db.GetRequest(ctx, "nope")
	wantErr(t, err, auth.ErrNotFound)

	// Without a grant, only the request changes.
	if err := db.UpdateRequest(ctx, "r2", func(r *auth.Request) (*auth.Grant, error) {
		r.Status = auth.StatusCancelled
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetRequest(ctx, "r2"); got.Status != auth.StatusCancelled {
		t.Fatalf("status = %s", got.Status)
	}
	wantErr(t, db.UpdateRequest(ctx, "nope", approve("bob", t0)), auth.ErrNotFound)
	wantErr(t, db.UpdateRequest(ctx, "r1", func(r *auth.Request) (*auth.Grant, error) {
		r.ID = "r9"
		return nil, nil
	}), auth.ErrInvalid)

	rs, err := db.ListRequests(ctx)
	if err != nil || len(rs) != 2 || rs[0].ID != "r2" || rs[1].ID != "r1" {
		t.Fatalf("ListRequests = %+v, %v", rs, err)
	}
}

func TestUpdateRequestAtomic(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC()
	if err := db.CreateRequest(ctx, pendingRequest("r1", now)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateGrant(ctx, auth.Grant{ID: "taken", Subject: "user:x", Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A grant that cannot be stored leaves the request as it was.
	err := db.UpdateRequest(ctx, "r1", func(r *auth.Request) (*auth.Grant, error) {
		g, err := approve("bob", now)(r)
		g.ID = "taken"
		return g, err
	})
	wantErr(t, err, auth.ErrExists)
	if got, _ := db.GetRequest(ctx, "r1"); got.Status != auth.StatusPending {
		t.Fatalf("request changed although its grant failed: %+v", got)
	}

	if err := db.UpdateRequest(ctx, "r1", approve("bob", now)); err != nil {
		t.Fatal(err)
	}
	r, _ := db.GetRequest(ctx, "r1")
	g, err := db.GetGrant(ctx, r.Grant)
	if err != nil || g.Request != "r1" {
		t.Fatalf("grant of approved request = %+v, %v", g, err)
	}
	if gs, _ := db.GrantsFor(ctx, []string{"user:alice"}, now); len(gs) != 1 {
		t.Fatalf("grant not indexed: %+v", gs)
	}
}

func TestConcurrentApprovalsMakeOneGrant(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	now := time.Now().UTC()
	if err := db.CreateRequest(ctx, pendingRequest("r1", now)); err != nil {
		t.Fatal(err)
	}
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = db.UpdateRequest(ctx, "r1", approve(fmt.Sprintf("approver%d", i), now))
		})
	}
	close(start)
	wg.Wait()

	var ok, conflicts int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, auth.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("%d succeeded and %d conflicted, want 1 and %d", ok, conflicts, n-1)
	}
	gs, err := db.ListGrants(ctx)
	if err != nil || len(gs) != 1 {
		t.Fatalf("ListGrants = %+v, %v; want exactly one grant", gs, err)
	}
	r, _ := db.GetRequest(ctx, "r1")
	if r.Grant != gs[0].ID || len(r.Reviews) != 1 {
		t.Fatalf("request = %+v, grant %s", r, gs[0].ID)
	}
}
