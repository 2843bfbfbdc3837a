//go:build !jitgit_testclock

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/urfave/cli/v2"
)

// serverClock returns the clock that every decision, expiry and audit
// timestamp of the server reads. In this build it is real time and nothing
// can move it; only a build with the jitgit_testclock tag, made for the
// end-to-end tests, has a clock that tests advance (clock_testclock.go).
func serverClock(context.Context, string, *slog.Logger) (func() time.Time, error) {
	return time.Now, nil
}

// sweepInterval is how often the server marks lapsed pending requests
// expired: a request lives for hours, so a minute late is no harm.
const sweepInterval = time.Minute

// decisionPoll is how often `request create --wait` asks whether its
// request was decided: often enough for a CI job, rare enough to be no load.
const decisionPoll = 2 * time.Second

// debugCommands are the commands only test builds have: none here.
func debugCommands() []*cli.Command { return nil }

// mirrorTick is how often the mirror scheduler looks for due mirrors: a
// mirror due every minute starts within a quarter of it.
const mirrorTick = 15 * time.Second
