package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service/servicetest"
)

// BenchmarkPushRefs is the per-ref check of one push of 1,000 refs, with
// no protection rules and with 100 of them; one op is the whole push. The
// difference between the two is what the rules add (goal: under 50 ms).
// Decide is the decision without its audit record, which every ref update
// gets with or without rules; Authorize includes it.
func BenchmarkPushRefs(b *testing.B) {
	for _, rules := range []int{0, 100} {
		for _, record := range []bool{false, true} {
			name := fmt.Sprintf("rules=%d/decide", rules)
			if record {
				name = fmt.Sprintf("rules=%d/authorize", rules)
			}
			b.Run(name, func(b *testing.B) {
				f := &fixture{servicetest.New(b)}
				ctx := context.Background()
				ps := make([]auth.Protection, rules)
				for i := range ps {
					ps[i] = auth.Protection{ID: fmt.Sprintf("rule-%03d", i), Repo: "acme/*", Ref: fmt.Sprintf("refs/heads/release-%d/*", i), Forbid: auth.ChangeForce | auth.ChangeDelete}
				}
				if rules > 0 {
					ps[0] = auth.Protection{ID: "default-branch", Repo: "*", Ref: "refs/heads/main", Forbid: auth.ChangeForce | auth.ChangeDelete}
					ps[1] = auth.Protection{ID: "tags", Repo: "*", Ref: "refs/tags/*", Forbid: auth.ChangeForce | auth.ChangeDelete}
				}
				if err := f.Svc.SyncProtections(ctx, ps); err != nil {
					b.Fatal(err)
				}
				f.Grant(b, "user:alice", "acme/payments", auth.LevelWrite, time.Hour)
				who := f.Who(b, "alice")
				old, nu := strings.Repeat("a", 40), strings.Repeat("b", 40)
				actions := make([]auth.Action, 1000)
				for i := range actions {
					actions[i] = auth.RefAction(auth.RefUpdate{Name: fmt.Sprintf("refs/heads/topic/%d", i), Old: old, New: nu, Kind: auth.ChangeForce})
				}
				a := f.Svc.Authorizer()
				b.ResetTimer()
				for range b.N {
					for _, act := range actions {
						var d auth.Decision
						if record {
							d = a.Authorize(ctx, who, "acme/payments", act)
						} else {
							d = a.Decide(ctx, who, "acme/payments", act)
						}
						if !d.Allowed {
							b.Fatal(d.Reason)
						}
					}
				}
			})
		}
	}
}
