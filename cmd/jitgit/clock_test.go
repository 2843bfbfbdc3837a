//go:build !jitgit_testclock

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestDefaultBuildClockCannotMove: without the jitgit_testclock tag the
// server's clock is real time, nothing listens for a test clock, and there
// is no command to move it.
func TestDefaultBuildClockCannotMove(t *testing.T) {
	data := t.TempDir()
	now, err := serverClock(context.Background(), data, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if got := now(); got.Before(before) || got.Sub(before) > time.Second {
		t.Errorf("server clock reads %v, real time %v", got, before)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("the clock made %v in the data directory", entries)
	}
	app := newApp()
	for _, c := range app.Commands {
		if c.Name == "debug" || slices.Contains(c.Aliases, "debug") {
			t.Errorf("the default build has the %q command", c.Name)
		}
	}
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	if err := app.Run([]string{"jitgit", "--data", data, "debug", "clock", "advance", "1h"}); err == nil {
		t.Error("debug clock advance succeeded in the default build")
	}
	if _, err := os.Stat(filepath.Join(data, "clock.offset")); err == nil {
		t.Error("debug clock advance wrote an offset in the default build")
	}
}
