package server

// SetMaxBodies bounds the bodies of the fetch and push requests that
// start from now on (HTTPConfig.MaxUploadPackBody, MaxReceivePackBody);
// zero or less keeps a bound as it is. Requests under way keep theirs.
func (h *HTTP) SetMaxBodies(fetch, push int64) {
	if fetch > 0 {
		h.maxFetch.Store(fetch)
	}
	if push > 0 {
		h.maxPush.Store(push)
	}
}
