package service

import (
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// mirrorRecovery returns the mirror.recover event of a fetch that succeeded
// at now after prev, the mirror as its last fetch left it, had failed; nil
// when the last fetch did not fail. It is decided in the transaction that
// resets the failures, so a recovery is recorded once: the next success
// finds nothing failed.
func mirrorRecovery(prev auth.Repo, now time.Time) *audit.Event {
	if prev.Failures == 0 && prev.SyncResult != "error" {
		return nil
	}
	n := max(prev.Failures, 1)
	detail := fmt.Sprintf("fetched again after %d failed fetch", n)
	if n > 1 {
		detail += "es"
	}
	if !prev.LastSuccess.IsZero() {
		detail += fmt.Sprintf("; without a fetch for %s", auth.FormatDuration(now.Sub(prev.LastSuccess).Round(time.Second)))
	}
	if prev.SyncError != "" {
		detail += "; last error: " + prev.SyncError
	}
	return &audit.Event{Action: "mirror.recover", Result: "ok", Detail: detail}
}
