package api

import "time"

// MirrorChange is the body that changes a mirror; an absent field stays as
// it is. Every is a duration ("30m"); Credential "" (given) means none.
type MirrorChange struct {
	URL                   *string `json:"url,omitempty"`
	Credential            *string `json:"credential,omitempty"`
	Every                 *string `json:"every,omitempty"`
	Paused                *bool   `json:"paused,omitempty"`
	HostKey               *string `json:"host_key,omitempty"`
	HostKeyFromFirstFetch bool    `json:"host_key_from_first_fetch,omitempty"`
}

// MirrorRemoval says what removing a mirror leaves: exactly one of
// ReadOnly (a read-only repository of the last fetch) and Delete
// (nothing). Archive is the old name of ReadOnly, still accepted; it is
// not `repo archive`.
type MirrorRemoval struct {
	ReadOnly bool `json:"read_only,omitempty"`
	Archive  bool `json:"archive,omitempty"`
	Delete   bool `json:"delete,omitempty"`
}

// MirrorRemoved answers a removal: "read-only" or "deleted".
type MirrorRemoved struct {
	Name   string `json:"name"`
	Result string `json:"result"`
}

// Credential is an upstream credential of mirrors, never with its secret.
// Kind is "token" or "ssh-key"; an ssh-key shows its public half.
type Credential struct {
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Username    string    `json:"username,omitempty"`
	PublicKey   string    `json:"public_key,omitempty"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by"`
	UsedBy      []string  `json:"used_by,omitempty"`
}

// NewCredential is the body that adds a credential: Kind "token" with the
// token in Secret (and an optional Username), or "ssh-key" with a private
// key in Secret or Generate set.
type NewCredential struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Username string `json:"username,omitempty"`
	Secret   string `json:"secret,omitempty"`
	Generate bool   `json:"generate,omitempty"`
}

// CredentialRemoved answers a removal.
type CredentialRemoved struct {
	Removed string `json:"removed"`
}
