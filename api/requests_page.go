package api

// RequestPage is one page of requests in ascending id order. Next, when
// set, is the `after` that asks for the page after it; empty, the listing
// ends here. A page may hold fewer requests than asked, even none, while
// Next is set: the server reads a bounded number of requests per page.
type RequestPage struct {
	Requests []Request `json:"requests"`
	Next     string    `json:"next,omitempty"`
}

// DefaultRequestPage is the size of a page of GET /api/v1/requests/page
// without limit.
const DefaultRequestPage = 500
