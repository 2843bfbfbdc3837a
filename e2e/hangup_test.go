package e2e

import (
	"slices"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// hangup sends SIGHUP to the `jitgit serve` running in the background, as
// an administrator does to make it re-read its config.
func hangup(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: hangup")
	}
	n := 0
	for _, cmd := range ts.BackgroundCmds() {
		if cmd.Process != nil && slices.Contains(cmd.Args, "serve") {
			ts.Check(cmd.Process.Signal(syscall.SIGHUP))
			n++
		}
	}
	if n == 0 {
		ts.Fatalf("hangup: no jitgit serve runs in the background")
	}
}
