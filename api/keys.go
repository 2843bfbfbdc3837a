package api

import "time"

// Key is an SSH public key of a user.
type Key struct {
	Fingerprint string    `json:"fingerprint"` // SHA256:... as ssh-keygen prints it
	User        string    `json:"user"`
	Type        string    `json:"type"`
	Comment     string    `json:"comment,omitempty"`
	Authorized  string    `json:"authorized"` // the key in authorized_keys form
	Created     time.Time `json:"created"`
}

// NewKey is the body that adds a key, in authorized_keys form.
type NewKey struct {
	Key string `json:"key"`
}

// KeyRef is the body that names a key to remove.
type KeyRef struct {
	Fingerprint string `json:"fingerprint"`
}

// KeyRemoved answers a removal with the key's fingerprint.
type KeyRemoved struct {
	Removed string `json:"removed"`
}
