package storage

import "github.com/jitgit/jitgit/auth"

// Credentials are the mirrors' upstream credentials, keyed by name. A
// backend stores Credential.Sealed as given: sealing is the caller's.
type Credentials interface {
	// Create stores a new credential; the name must be new and must not
	// contain '/'.
	Create(c auth.Credential) error
	// Get returns the credential called name.
	Get(name string) (auth.Credential, error)
	// Update replaces the stored credential of the same name; its kind
	// cannot change (ErrInvalid).
	Update(c auth.Credential) error
	// Delete removes the credential called name.
	Delete(name string) error
	// List returns every credential, sorted by name.
	List() ([]auth.Credential, error)
}
