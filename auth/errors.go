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
)
