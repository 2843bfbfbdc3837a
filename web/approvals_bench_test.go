package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
)

// seedPending stores n pending requests straight into the store (the
// service allows ten open requests per user), one a second apart, for
// repositories acme/r0..acme/r9.
func seedPending(t testing.TB, s *stack, n int) {
	t.Helper()
	now := time.Now()
	for start := 0; start < n; start += 500 {
		err := s.db.Update(context.Background(), func(tx storage.Tx) error {
			for i := start; i < min(n, start+500); i++ {
				created := now.Add(time.Duration(i-n) * time.Second)
				r := auth.Request{ID: fmt.Sprintf("r_%05d", i), Requester: fmt.Sprintf("user%d", i/10), Repo: fmt.Sprintf("acme/r%d", i%10),
					Level: auth.Level(1 + i%2), Duration: time.Hour, Reason: fmt.Sprintf("task %d", i), Status: auth.StatusPending,
					Created: created, Expires: created.Add(24 * time.Hour), Needed: 1}
				if err := tx.Requests().Create(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkApprovalsPage renders the first page of an approver's queue of
// 10,000 pending requests: the page is chosen from a stream of the store,
// never built from all of them.
func BenchmarkApprovalsPage(b *testing.B) {
	s := newStack(b, Options{})
	s.user("bob", true, false)
	for i := range 10 {
		s.repo(fmt.Sprintf("acme/r%d", i))
	}
	seedPending(b, s, 10000)
	bob := s.client()
	bob.signIn("bob")
	// The baseline: what the queue did before pages, one list of every
	// request the approver may see (a policy read per request), before
	// any rendering.
	b.Run("baseline-list-all", func(b *testing.B) {
		who, err := s.svc.IdentityOf(context.Background(), "bob", auth.MethodPassword)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.svc.ListRequests(context.Background(), who, service.RequestFilter{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, path := range []string{"/approvals", "/approvals?q=task+77&sort=oldest"} {
		b.Run(strings.NewReplacer("/", "", "?", "-", "&", "-", "=", "", "+", "").Replace(path), func(b *testing.B) {
			for b.Loop() {
				res, body := bob.get(path)
				if res.StatusCode != http.StatusOK || !strings.Contains(body, `class="queue"`) {
					b.Fatalf("%d", res.StatusCode)
				}
			}
		})
	}
}
