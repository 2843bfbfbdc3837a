package auth

import (
	"context"
	"io"
	"time"
)

// Store is the persistence auth needs. storage.DB implements it on Badger.
//
// Every method is atomic. Update methods run fn inside one read-write
// transaction and retry it on conflict, so fn must be free of side effects
// other than changing its argument; an error from fn aborts and is returned
// unchanged. Lookups of a missing record return an error wrapping
// ErrNotFound; creating a record whose key exists returns ErrExists.
type Store interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, name string) (User, error)
	UpdateUser(ctx context.Context, name string, fn func(*User) error) error
	ListUsers(ctx context.Context) ([]User, error)

	CreateToken(ctx context.Context, t Token) error
	// TokenByHash finds a token by the hex SHA-256 of its secret.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	UpdateToken(ctx context.Context, id string, fn func(*Token) error) error
	ListTokens(ctx context.Context, user string) ([]Token, error)

	// CreateKey fails with ErrExists when the fingerprint belongs to anyone.
	CreateKey(ctx context.Context, k Key) error
	GetKey(ctx context.Context, fingerprint string) (Key, error)
	ListKeys(ctx context.Context, user string) ([]Key, error)
	DeleteKey(ctx context.Context, user, fingerprint string) error

	CreateRepo(ctx context.Context, r Repo) error
	GetRepo(ctx context.Context, name string) (Repo, error)
	ListRepos(ctx context.Context) ([]Repo, error)
	UpdateRepo(ctx context.Context, name string, fn func(*Repo) error) error

	// CreateGrant stores a grant and indexes it under its subject.
	CreateGrant(ctx context.Context, g Grant) error
	GetGrant(ctx context.Context, id string) (Grant, error)
	UpdateGrant(ctx context.Context, id string, fn func(*Grant) error) error
	// GrantsFor returns the grants of the given subjects that have not ended
	// by now (it may return more; callers check the window themselves).
	GrantsFor(ctx context.Context, subjects []string, now time.Time) ([]Grant, error)
	// ListGrants returns every grant, newest first; expired and ended ones
	// included.
	ListGrants(ctx context.Context) ([]Grant, error)

	PutPolicy(ctx context.Context, p Policy) error
	DeletePolicy(ctx context.Context, id string) error
	// PoliciesFor returns the policies naming any of the given subjects.
	PoliciesFor(ctx context.Context, subjects []string) ([]Policy, error)
	ListPolicies(ctx context.Context) ([]Policy, error)

	CreateRequest(ctx context.Context, r Request) error
	GetRequest(ctx context.Context, id string) (Request, error)
	// UpdateRequest changes a request; when fn also returns a grant, that
	// grant is stored in the same transaction: created, or replaced when a
	// grant with its id exists (an extension moving the end).
	UpdateRequest(ctx context.Context, id string, fn func(*Request) (*Grant, error)) error
	ListRequests(ctx context.Context) ([]Request, error)

	// AppendEvents assigns sequence numbers and the hash chain to the events
	// and stores them durably in one transaction, in order.
	AppendEvents(ctx context.Context, evs []Event) ([]Event, error)
	// VerifyAudit walks the whole hash chain and returns an error naming the
	// first event that is missing, reordered or altered.
	VerifyAudit(ctx context.Context) error
	// ScanEvents calls fn with the events after seq after, oldest first,
	// or with newestFirst the events before after (all when 0), newest
	// first, until fn returns false.
	ScanEvents(ctx context.Context, after uint64, newestFirst bool, fn func(Event) bool) error
	// ListEvents returns events with Seq > after in order, at most limit
	// (0: all).
	ListEvents(ctx context.Context, after uint64, limit int) ([]Event, error)

	// Backup writes a consistent snapshot of everything to w.
	Backup(w io.Writer) error

	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, hash string) (Session, error)
	DeleteSession(ctx context.Context, hash string) error
}
