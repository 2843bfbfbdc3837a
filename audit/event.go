package audit

import "time"

// Event is one audit record: a decision or a change.
type Event struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`            // user name, "anonymous" or "system"
	Remote    string    `json:"remote,omitempty"` // client address
	Transport string    `json:"transport,omitempty"`
	Action    string    `json:"action"` // e.g. "git.read", "grant.create", "request.approve"
	Repo      string    `json:"repo,omitempty"`
	Target    string    `json:"target,omitempty"` // user, token id, key fingerprint...
	Result    string    `json:"result"`           // "allow", "deny", "ok", "error"
	Grant     string    `json:"grant,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Request   string    `json:"request,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Prev      string    `json:"prev"` // hash of the previous event
	Hash      string    `json:"hash"` // sha256 over Prev and this event, see Hash
	// HashVersion is the form Hash was computed in (HashV1, HashV2...).
	HashVersion uint8 `json:"hash_version,omitempty"`

	// Intent names the staged copy of this event that a change's
	// transaction wrote (storage's Intents): appending the event removes
	// it in the same transaction, so a change and its event are never
	// apart for long, and never twice in the chain. It is how the event
	// travels, not part of the record: not hashed, not stored in the
	// chain, empty on every event read back.
	Intent string `json:"-"`
}
