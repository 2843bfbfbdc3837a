package api

import "time"

// AccessInterval is one row of an access report: a stretch of time in
// which Subject could read or write Repo, through a grant or a policy.
type AccessInterval struct {
	Subject string     `json:"subject"` // user name, or "anyone"/"users"
	Repo    string     `json:"repo"`
	Access  string     `json:"access"`
	From    time.Time  `json:"from"`
	To      *time.Time `json:"to,omitempty"` // absent: still running at the report's end
	// FromBeforeTrail: From is the trail's first event and the access
	// began earlier (a policy older than the trail's policy events).
	FromBeforeTrail bool   `json:"from_before_trail,omitempty"`
	Grant           string `json:"grant,omitempty"`
	Policy          string `json:"policy,omitempty"`
	Group           string `json:"group,omitempty"`
	Reason          string `json:"reason,omitempty"`
	Ticket          string `json:"ticket,omitempty"`
	Request         string `json:"request,omitempty"`
	// Approved and Denied are "NAME TIME" (RFC 3339) or "policy:ID".
	Approved []string `json:"approved,omitempty"`
	Denied   []string `json:"denied,omitempty"`
	// Ended: expired, revoked by NAME, relinquished, disabled, left group
	// G, policy removed, policy changed; absent while running.
	Ended string `json:"ended,omitempty"`
}

// ConfigReload answers a reload of the server's config file: what it
// applied.
type ConfigReload struct {
	Detail string `json:"detail"`
}
