package service

// DuplicateRequestError refuses a request for what a pending request of
// the same user already asks; it wraps auth.ErrConflict and names that
// request, so a page can link to it.
type DuplicateRequestError struct {
	ID  string // the pending request
	err error
}

func (e *DuplicateRequestError) Error() string { return e.err.Error() }
func (e *DuplicateRequestError) Unwrap() error { return e.err }
