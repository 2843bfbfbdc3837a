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
}

// AuditHead answers a verification of the audit trail: its newest event,
// which an auditor notes to prove later that nothing before it changed.
type AuditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}
