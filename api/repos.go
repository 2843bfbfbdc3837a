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
}

// NewRepo is the body that creates a repository; with Mirror (an
// upstream URL) it is a mirror fetched every Every ("1h").
type NewRepo struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Mirror      string `json:"mirror,omitempty"`
	Every       string `json:"every,omitempty"`
}
