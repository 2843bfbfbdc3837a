package web

import (
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// mirrorStatus is what the pages show of a mirror (or a former one): its
// upstream without credentials, schedule, the last attempt and the last
// success, how stale the served copy is, and the error in words.
type mirrorStatus struct {
	Upstream    string
	Every       string
	State       string // "active", "paused" or "read-only"
	Credential  string
	HostKeys    string
	HostKeyTOFU bool
	LastAttempt time.Time
	LastSuccess time.Time
	Stale       string // "" before the first success
	Took        string
	Refs        int
	Rewritten   int
	Result      string // "ok", "error" or "" before the first fetch
	Error       string
	Failures    int
	Next        time.Time
}

// mirrorStatusOf returns r's mirror status at now, or nil for a
// repository that never was a mirror. Its upstream comes as the service
// gives it: with the password hidden.
func mirrorStatusOf(r auth.Repo, now time.Time) *mirrorStatus {
	if r.Mirror == "" && !r.ReadOnly {
		return nil
	}
	s := &mirrorStatus{Upstream: r.Mirror, State: "active", Credential: r.Credential, HostKeys: service.HostKeyFingerprints(r.HostKeys),
		HostKeyTOFU: r.HostKeyTOFU, LastAttempt: r.LastSync, LastSuccess: r.LastSuccess, Refs: r.SyncUpdated, Rewritten: r.SyncRewritten,
		Result: r.SyncResult, Error: r.SyncError, Failures: r.Failures}
	every := r.Every
	if every <= 0 {
		every = auth.DefaultMirrorEvery
	}
	s.Every = auth.FormatDuration(every)
	switch {
	case r.ReadOnly:
		s.State = "read-only"
	case r.Paused:
		s.State = "paused"
	}
	if !r.LastSuccess.IsZero() {
		s.Stale = auth.FormatDuration(max(now.Sub(r.LastSuccess), 0).Round(time.Second))
	}
	if r.SyncDuration > 0 {
		s.Took = r.SyncDuration.Round(time.Millisecond).String()
	}
	if at, ok := r.NextSync(); ok {
		s.Next = at
		if at.Before(now) {
			s.Next = now // due: the scheduler takes it at its next look
		}
	}
	return s
}
