package api

import "time"

// Event is one audit record. Prev and Hash are the hash chain's links:
// public digests an auditor compares, not secrets.
type Event struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"` // user name, "anonymous" or "system"
	Remote    string    `json:"remote,omitempty"`
	Transport string    `json:"transport,omitempty"`
	Action    string    `json:"action"` // e.g. "git.read", "grant.create"
	Repo      string    `json:"repo,omitempty"`
	Target    string    `json:"target,omitempty"`
	Result    string    `json:"result"` // allow, deny, ok, error
	Grant     string    `json:"grant,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Request   string    `json:"request,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Prev      string    `json:"prev"`
	Hash      string    `json:"hash"`
	// HashVersion is the form Hash is computed in (docs/audit.md).
	HashVersion uint8 `json:"hash_version,omitempty"`
}

// AuditHead answers a verification of the audit trail: its newest event,
// which an auditor notes to prove later that nothing before it changed.
type AuditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// From is the first event checked; Events and Checkpoints how many of
	// each held; LastCheckpoint the Seq of the last signed checkpoint.
	From           uint64 `json:"from,omitempty"`
	Events         uint64 `json:"events"`
	Checkpoints    int    `json:"checkpoints"`
	LastCheckpoint uint64 `json:"last_checkpoint,omitempty"`
}

// EventPage is one page of the audit trail, oldest first. Next, when set,
// is the `after` that asks for the page after it; empty, the trail ends
// here (for now).
type EventPage struct {
	Events []Event `json:"events"`
	Next   string  `json:"next,omitempty"`
}

// Checkpoint is a signed checkpoint of the audit trail: the server's
// ed25519 key signed that event Seq had hash Hash at Time. Signature is
// base64 (standard, padded); the signed bytes are in docs/audit.md.
type Checkpoint struct {
	Seq       uint64    `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"`
	Key       string    `json:"key"`
	Signature []byte    `json:"signature"`
}

// ExportLine is one line of an audit export (JSON lines): an event, or,
// with Checkpoint set and nothing else, a checkpoint of the event on the
// line before.
type ExportLine struct {
	Event
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
}
