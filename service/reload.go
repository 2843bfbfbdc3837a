package service

import (
	"context"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// RecordConfigReload records a reload of the config file: result "ok"
// with what it applied, or "error" with why the running config was kept.
// The policies and protection rules it changed have events of their own.
func (s *Service) RecordConfigReload(ctx context.Context, actor auth.Identity, result, detail string) error {
	return s.record(ctx, actor, audit.Event{Action: "config.reload", Result: result, Detail: detail})
}
