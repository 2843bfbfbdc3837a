package api

import "time"

// Repo is a hosted repository or a read-only mirror. Mirror never
// carries the upstream's credentials, nor does SyncError.
type Repo struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Mirror      string    `json:"mirror,omitempty"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by"`
	// Every is how often a mirror is fetched, in nanoseconds as it has
	// always been on the wire (0: the default, one hour).
	Every       time.Duration `json:"every,omitempty"`
	LastSync    time.Time     `json:"last_sync,omitzero"`
	SyncResult  string        `json:"sync_result,omitempty"` // "ok" or "error"
	SyncError   string        `json:"sync_error,omitempty"`
	SyncUpdated int           `json:"sync_updated,omitempty"`

	// The mirror's access and status. Credential is the credential's
	// name; HostKeys the pinned keys' fingerprints, HostKeyFromFirstFetch
	// that they were (or will be) taken from the first fetch. State is
	// "active" or "paused" for a mirror, "read-only" for a former mirror,
	// "archived" for an archived repository (no access at all); LastSuccess the last fetch that
	// worked and Stale how long ago that was ("3h"); SyncDuration how long
	// the last fetch took ("1.2s"); SyncRewritten how many refs it moved
	// other than forward; Failures the failed fetches in a row (the
	// backoff); NextSync when the scheduler fetches it next.
	Credential            string    `json:"credential,omitempty"`
	HostKeys              string    `json:"host_keys,omitempty"`
	HostKeyFromFirstFetch bool      `json:"host_key_from_first_fetch,omitempty"`
	State                 string    `json:"state,omitempty"`
	LastSuccess           time.Time `json:"last_success,omitzero"`
	Stale                 string    `json:"stale,omitempty"`
	SyncDuration          string    `json:"sync_duration,omitempty"`
	SyncRewritten         int       `json:"sync_rewritten,omitempty"`
	Failures              int       `json:"failures,omitempty"`
	NextSync              time.Time `json:"next_sync,omitzero"`

	// Archived is when the repository was archived (absent: it is not):
	// nobody has access to it until it is unarchived. ArchivedBy is who
	// archived it, ArchiveReason why.
	Archived      *time.Time `json:"archived,omitempty"`
	ArchivedBy    string     `json:"archived_by,omitempty"`
	ArchiveReason string     `json:"archive_reason,omitempty"`
}

// RepoArchive is the body that archives a repository: why, required.
type RepoArchive struct {
	Reason string `json:"reason"`
}

// NewRepo is the body that creates a repository; with Mirror (an
// upstream URL) it is a mirror fetched every Every ("1h").
type NewRepo struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Mirror      string `json:"mirror,omitempty"`
	Every       string `json:"every,omitempty"`
	// Credential names the credential a mirror authenticates with.
	Credential string `json:"credential,omitempty"`
	// HostKey pins an ssh upstream's host keys ("TYPE BASE64" lines);
	// HostKeyFromFirstFetch trusts the first fetch's instead.
	HostKey               string `json:"host_key,omitempty"`
	HostKeyFromFirstFetch bool   `json:"host_key_from_first_fetch,omitempty"`
}
