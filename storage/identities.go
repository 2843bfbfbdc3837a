package storage

import (
	"time"

	"github.com/jitgit/jitgit/auth"
)

// Users are the user records, keyed by name.
type Users interface {
	// Create stores a new user; the name must not contain '/'.
	Create(u auth.User) error
	// Get returns the user called name.
	Get(name string) (auth.User, error)
	// Update replaces the stored user of the same name.
	Update(u auth.User) error
	// List returns every user, sorted by name.
	List() ([]auth.User, error)
}

// Tokens are personal access tokens, keyed by id and found by the hash of
// their secret.
type Tokens interface {
	// Create stores a new token; its id and its hash must both be new.
	Create(t auth.Token) error
	// Get returns the token id, revoked and expired ones included.
	Get(id string) (auth.Token, error)
	// ByHash returns the token whose secret has the hex SHA-256 hash,
	// revoked and expired ones included.
	ByHash(hash string) (auth.Token, error)
	// Update replaces the stored token of the same id; its user and hash
	// cannot change (ErrInvalid).
	Update(t auth.Token) error
	// List returns the tokens of user, oldest first.
	List(user string) ([]auth.Token, error)
}

// Keys are SSH public keys, keyed by fingerprint: one owner per key.
type Keys interface {
	// Create stores a key for its user; ErrExists when anyone has the
	// fingerprint already.
	Create(k auth.Key) error
	// Get returns the key with the fingerprint, whoever owns it.
	Get(fingerprint string) (auth.Key, error)
	// List returns the keys of user, oldest first.
	List(user string) ([]auth.Key, error)
	// Delete removes the key with the fingerprint from user; a key of
	// another user is ErrNotFound.
	Delete(user, fingerprint string) error
}

// Sessions are web sessions, keyed by the hash of their secret.
type Sessions interface {
	// Create stores a new session; the hash must be new.
	Create(s auth.Session) error
	// Get returns the session with the hash if it has not expired by now:
	// at its Expires instant a session is gone (ErrNotFound). A backend may
	// drop expired sessions; the comparison with now is what decides.
	Get(hash string, now time.Time) (auth.Session, error)
	// Delete removes the session with the hash; deleting one that is gone
	// succeeds, so signing out twice is harmless.
	Delete(hash string) error
}
