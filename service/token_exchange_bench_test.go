package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

// BenchmarkAuthenticateToken measures what a token bound to a grant costs
// at each use (one more read, of the grant) against a plain token.
func BenchmarkAuthenticateToken(b *testing.B) {
	ctx := context.Background()
	f := servicetest.New(b)
	plain, _, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "plain", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	g := f.Grant(b, auth.UserPrincipal("alice"), "acme/web", auth.LevelRead, time.Hour)
	bound, _, err := f.Svc.ExchangeWorkloadToken(ctx, service.WorkloadExchange{User: "alice", Rule: "bench", Provider: "https://ci.example",
		Subject: "job", Until: f.Clock.Now().Add(time.Hour), Grant: g.ID})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, token string }{{"plain", plain}, {"bound", bound}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.Svc.AuthenticateToken(ctx, tc.token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
