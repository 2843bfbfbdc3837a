package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/service"
)

// readiness is the check of /readyz: the server is not stopping, the
// store takes a durable write within the audit deadline (the audit trail
// is written to the same store), no audit write missed its deadline since
// the last check, and the repository root takes a new file.
type readiness struct {
	serving  context.Context // ends when the server starts stopping
	svc      *service.Service
	trail    *audit.Log
	repoRoot string
	deadline time.Duration
	lateSeen atomic.Int64
}

func (r *readiness) check(ctx context.Context) error {
	if r.serving.Err() != nil {
		return errors.New("shutting down")
	}
	wctx, cancel := context.WithTimeout(ctx, r.deadline)
	defer cancel()
	start := time.Now()
	if err := r.svc.ProbeWrite(wctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("audit: the store did not take a write within audit_deadline (%s)", r.deadline)
		}
		return errors.New("store: not writable")
	}
	if took := time.Since(start); took > r.deadline {
		return fmt.Errorf("audit: a store write took %s, longer than audit_deadline", took.Round(time.Millisecond))
	}
	if late := r.trail.Late(); late > r.lateSeen.Swap(late) {
		return errors.New("audit: writes missed their deadline since the last check")
	}
	f, err := os.CreateTemp(r.repoRoot, ".ready-*")
	if err != nil {
		return errors.New("repository root: not writable")
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return errors.New("repository root: cannot remove a file")
	}
	return nil
}
