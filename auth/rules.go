package auth

import (
	"context"
	"time"
)

// Rules is what the decision reads: the grants and policies of a set of
// subjects, and the repository (a mirror is read-only). A storage backend
// implements it.
type Rules interface {
	// GrantsFor returns the grants of the given subjects that have not ended
	// by now (it may return more; the decision checks the window itself).
	GrantsFor(ctx context.Context, subjects []string, now time.Time) ([]Grant, error)
	// PoliciesFor returns the policies naming any of the given subjects.
	PoliciesFor(ctx context.Context, subjects []string) ([]Policy, error)
	// GetRepo returns a repository, or an error wrapping ErrNotFound.
	GetRepo(ctx context.Context, name string) (Repo, error)
	// ProtectionsFor returns the protection rules whose repository
	// pattern matches repo (it may return more; the decision matches each).
	ProtectionsFor(ctx context.Context, repo string) ([]Protection, error)
}

// Recorder keeps the record of every decision. Authorize returns a deny
// when Record fails, so no access goes unrecorded. The audit log
// implements it.
type Recorder interface {
	RecordDecision(ctx context.Context, who Identity, repo string, action Action, d Decision) error
}
