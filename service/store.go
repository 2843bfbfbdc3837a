package service

import (
	"context"
	"io"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// Store is the persistence auth needs. storage.DB implements it on Badger.
//
// Every method is atomic. Update methods run fn inside one read-write
// transaction and retry it on conflict, so fn must be free of side effects
// other than changing its argument; an error from fn aborts and is returned
// unchanged. Lookups of a missing record return an error wrapping
// ErrNotFound; creating a record whose key exists returns ErrExists.
type Store interface {
	CreateUser(ctx context.Context, u auth.User) error
	GetUser(ctx context.Context, name string) (auth.User, error)
	UpdateUser(ctx context.Context, name string, fn func(*auth.User) error) error
	ListUsers(ctx context.Context) ([]auth.User, error)

	CreateToken(ctx context.Context, t auth.Token) error
	// TokenByHash finds a token by the hex SHA-256 of its secret.
	TokenByHash(ctx context.Context, hash string) (auth.Token, error)
	UpdateToken(ctx context.Context, id string, fn func(*auth.Token) error) error
	ListTokens(ctx context.Context, user string) ([]auth.Token, error)

	// CreateKey fails with ErrExists when the fingerprint belongs to anyone.
	CreateKey(ctx context.Context, k auth.Key) error
	GetKey(ctx context.Context, fingerprint string) (auth.Key, error)
	ListKeys(ctx context.Context, user string) ([]auth.Key, error)
	DeleteKey(ctx context.Context, user, fingerprint string) error

	CreateRepo(ctx context.Context, r auth.Repo) error
	GetRepo(ctx context.Context, name string) (auth.Repo, error)
	ListRepos(ctx context.Context) ([]auth.Repo, error)
	UpdateRepo(ctx context.Context, name string, fn func(*auth.Repo) error) error

	// CreateGrant stores a grant and indexes it under its subject.
	CreateGrant(ctx context.Context, g auth.Grant) error
	GetGrant(ctx context.Context, id string) (auth.Grant, error)
	UpdateGrant(ctx context.Context, id string, fn func(*auth.Grant) error) error
	// GrantsFor returns the grants of the given subjects that have not ended
	// by now (it may return more; callers check the window themselves).
	GrantsFor(ctx context.Context, subjects []string, now time.Time) ([]auth.Grant, error)
	// ListGrants returns every grant, newest first; expired and ended ones
	// included.
	ListGrants(ctx context.Context) ([]auth.Grant, error)

	PutPolicy(ctx context.Context, p auth.Policy) error
	DeletePolicy(ctx context.Context, id string) error
	// PoliciesFor returns the policies naming any of the given subjects.
	PoliciesFor(ctx context.Context, subjects []string) ([]auth.Policy, error)
	ListPolicies(ctx context.Context) ([]auth.Policy, error)

	CreateRequest(ctx context.Context, r auth.Request) error
	GetRequest(ctx context.Context, id string) (auth.Request, error)
	// UpdateRequest changes a request; when fn also returns a grant, that
	// grant is stored in the same transaction: created, or replaced when a
	// grant with its id exists (an extension moving the end).
	UpdateRequest(ctx context.Context, id string, fn func(*auth.Request) (*auth.Grant, error)) error
	ListRequests(ctx context.Context) ([]auth.Request, error)

	// AppendEvents assigns sequence numbers and the hash chain to the events
	// and stores them durably in one transaction, in order.
	AppendEvents(ctx context.Context, evs []audit.Event) ([]audit.Event, error)
	// VerifyAudit walks the whole hash chain and returns an error naming the
	// first event that is missing, reordered or altered.
	VerifyAudit(ctx context.Context) error
	// ScanEvents calls fn with the events after seq after, oldest first,
	// or with newestFirst the events before after (all when 0), newest
	// first, until fn returns false.
	ScanEvents(ctx context.Context, after uint64, newestFirst bool, fn func(audit.Event) bool) error
	// ListEvents returns events with Seq > after in order, at most limit
	// (0: all).
	ListEvents(ctx context.Context, after uint64, limit int) ([]audit.Event, error)

	// Backup writes a consistent snapshot of everything to w.
	Backup(w io.Writer) error

	CreateSession(ctx context.Context, s auth.Session) error
	GetSession(ctx context.Context, hash string) (auth.Session, error)
	DeleteSession(ctx context.Context, hash string) error
}
