package auth

import "errors"

// Errors callers match with errors.Is. Messages wrapped around them are meant
// for the user; the sentinel tells transports and the API which status fits.
var (
	ErrNotFound  = errors.New("not found")
	ErrExists    = errors.New("already exists")
	ErrInvalid   = errors.New("invalid")
	ErrForbidden = errors.New("forbidden")
	ErrConflict  = errors.New("conflict")
	// ErrUpstream means a mirror's upstream could not be fetched.
	ErrUpstream = errors.New("upstream fetch failed")
	// ErrUnauthenticated means the credentials were missing, malformed,
	// unknown, expired or revoked. It never says which.
	ErrUnauthenticated = errors.New("authentication failed")
	// ErrUnavailable means the store could not answer (etcd unreachable or
	// without a quorum): nothing is known about the request, so it is
	// refused, but it is not the client's fault and not a failed sign-in.
	ErrUnavailable = errors.New("store unavailable")
)
