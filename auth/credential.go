package auth

import "time"

// CredentialKind says what a credential holds.
type CredentialKind string

// Credential kinds.
const (
	// CredentialToken is an HTTP user name and token (or password), sent as
	// Basic authorization to an http(s) upstream.
	CredentialToken CredentialKind = "token"
	// CredentialSSHKey is an SSH private key, offered to an ssh upstream.
	CredentialSSHKey CredentialKind = "ssh-key"
)

// Credential is a named secret that mirrors authenticate to their
// upstreams with. The secret itself is only ever stored sealed (encrypted
// with a key kept outside the store) and is never shown.
type Credential struct {
	Name     string         `json:"name"`
	Kind     CredentialKind `json:"kind"`
	Username string         `json:"username,omitempty"` // token: the HTTP user name
	// PublicKey is the public half of an ssh-key, in authorized_keys form,
	// and Fingerprint its SHA256 fingerprint; both are safe to show.
	PublicKey   string `json:"public_key,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// Sealed is the secret (the token, or the private key in OpenSSH PEM
	// form) encrypted at rest. Never shown, never logged.
	Sealed    []byte    `json:"-"`
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
	// Updated is when the secret was last replaced (zero: never).
	Updated time.Time `json:"updated,omitzero"`
}
