package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
)

const day = 24 * time.Hour

// TestTokenLifetimes: a token made without a lifetime gets the default,
// none outlives the maximum, and "never" needs the configuration's leave.
func TestTokenLifetimes(t *testing.T) {
	ctx := context.Background()
	f := servicetest.New(t)
	now := f.Clock.Now()
	_, tok, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "laptop", 0)
	if err != nil || !tok.Expires.Equal(now.Add(30*day)) {
		t.Fatalf("default lifetime: %v %v", tok.Expires, err)
	}
	if _, _, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "", 91*day); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("91 days over a 90 day maximum: %v", err)
	}
	if _, tok, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "", 90*day); err != nil || !tok.Expires.Equal(now.Add(90*day)) {
		t.Errorf("90 days: %v %v", tok.Expires, err)
	}
	if _, _, err := f.Svc.CreateToken(ctx, f.Admin, "alice", "", service.NoExpiry); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("never, not allowed: %v", err)
	}

	cfg := servicetest.Config()
	cfg.TokenDefault, cfg.TokenMax, cfg.TokenNever = 7*day, 14*day, true
	g := servicetest.NewWith(t, servicetest.Dirs{}, cfg)
	now = g.Clock.Now()
	if _, tok, err := g.Svc.CreateToken(ctx, g.Admin, "alice", "", 0); err != nil || !tok.Expires.Equal(now.Add(7*day)) {
		t.Errorf("configured default: %v %v", tok.Expires, err)
	}
	if _, _, err := g.Svc.CreateToken(ctx, g.Admin, "alice", "", 15*day); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("over the configured maximum: %v", err)
	}
	plain, tok, err := g.Svc.CreateToken(ctx, g.Admin, "alice", "", service.NoExpiry)
	if err != nil || !tok.Expires.IsZero() {
		t.Fatalf("never, allowed: %v %v", tok.Expires, err)
	}
	g.Clock.Advance(400 * day)
	if _, err := g.Svc.AuthenticateToken(ctx, plain); err != nil {
		t.Errorf("a token that never expires stopped: %v", err)
	}
}
