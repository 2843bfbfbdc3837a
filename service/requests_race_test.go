package service_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// TestConcurrentIdenticalRequestsFileOne: the check for a pending request
// and the filing of the new one are one transaction, so of many identical
// submissions at once exactly one is filed, every time; the others are
// told it is pending.
func TestConcurrentIdenticalRequestsFileOne(t *testing.T) {
	const rounds, submitters = 20, 50
	ctx := context.Background()
	for round := range rounds {
		f := newFixture(t)
		who := f.Who(t, "alice")
		nr := service.NewRequest{Repo: "acme/payments", Level: auth.LevelWrite, Reason: "INC-42 hotfix"}
		var wg sync.WaitGroup
		var mu sync.Mutex
		filed := 0
		for range submitters {
			wg.Go(func() {
				_, err := f.Svc.CreateRequest(ctx, who, nr)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					filed++
				case !strings.Contains(err.Error(), "already asked"):
					t.Errorf("round %d: %v", round, err)
				}
			})
		}
		wg.Wait()
		rs, err := f.Svc.ListRequests(ctx, who, service.RequestFilter{Status: auth.StatusPending, Mine: true})
		if err != nil {
			t.Fatal(err)
		}
		if filed != 1 || len(rs) != 1 {
			t.Fatalf("round %d: %d of %d identical submissions filed, %d pending; want 1", round, filed, submitters, len(rs))
		}
	}
}
