//go:build jitgit_testclock

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestClockAdvance: `debug clock advance` moves the clock before it returns,
// refuses to move it back, and a restarted server keeps the offset.
func TestClockAdvance(t *testing.T) {
	data := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	ctx, stop := context.WithCancel(context.Background())
	now, err := serverClock(ctx, data, log)
	if err != nil {
		t.Fatal(err)
	}
	advance := func(d string) (string, error) {
		app := newApp()
		var out bytes.Buffer
		app.Writer, app.ErrWriter = &out, io.Discard
		err := app.Run([]string{"jitgit", "--data", data, "debug", "clock", "advance", d})
		return strings.TrimSpace(out.String()), err
	}
	if out, err := advance("90m"); err != nil || out != "1h30m0s" {
		t.Fatalf("advance 90m = %q, %v", out, err)
	}
	if d := time.Until(now()); d < 90*time.Minute-time.Second || d > 90*time.Minute+time.Second {
		t.Errorf("after advance 90m the clock is %s ahead", d)
	}
	for _, bad := range []string{"-1h", "0s", "soon"} {
		if _, err := advance(bad); err == nil {
			t.Errorf("advance %s succeeded", bad)
		}
	}
	if out, err := advance("1d"); err != nil || out != "25h30m0s" {
		t.Fatalf("advance 1d = %q, %v", out, err)
	}
	stop()

	ctx, stop = context.WithCancel(context.Background())
	defer stop()
	var serr error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		// The first server's socket goes when its listener closes.
		if now, serr = serverClock(ctx, data, log); serr == nil || time.Now().After(deadline) {
			break
		}
	}
	if serr != nil {
		t.Fatal(serr)
	}
	if d := time.Until(now()); d < 25*time.Hour+29*time.Minute {
		t.Errorf("after a restart the clock is %s ahead, want 25h30m", d)
	}
}
