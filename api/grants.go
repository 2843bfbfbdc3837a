package api

import "time"

// Grant is time-bounded access as the API shows it, with what a script
// wants to know computed when it was read: is it active, how much is left.
type Grant struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject"` // "user:alice" or "group:sre"
	Repo      string     `json:"repo"`    // a name or "owner/*"
	Access    string     `json:"access"`
	Ref       string     `json:"ref,omitempty"`   // ref pattern; empty: every ref no rule protects
	Allow     string     `json:"allow,omitempty"` // "force,delete" on Ref
	Starts    time.Time  `json:"starts"`
	Expires   time.Time  `json:"expires"`
	Ends      time.Time  `json:"ends"` // Expires, or Ended when sooner
	Active    bool       `json:"active"`
	Remaining string     `json:"remaining"` // "1h59m"; empty unless active
	Reason    string     `json:"reason"`
	Origin    string     `json:"origin"` // admin, request or bulk
	Request   string     `json:"request,omitempty"`
	CreatedBy string     `json:"created_by"`
	Ended     *time.Time `json:"ended,omitempty"` // revoked or relinquished
	EndedBy   string     `json:"ended_by,omitempty"`
	Batch     string     `json:"batch,omitempty"` // the bulk load that made it
}

// NewGrant is the body that makes a grant: exactly one of User and
// Group, a level name and a duration ("2h", "7d").
type NewGrant struct {
	User     string `json:"user,omitempty"`
	Group    string `json:"group,omitempty"`
	Repo     string `json:"repo"`
	Access   string `json:"access"`
	Ref      string `json:"ref,omitempty"`   // optional ref pattern
	Allow    string `json:"allow,omitempty"` // force, delete (comma-separated) on Ref
	Duration string `json:"duration"`
	Reason   string `json:"reason,omitempty"`
	// BreakGlass: an administrator's emergency grant to themselves of
	// access that needs approval; needs Reason, tells every grant. webhook.
	BreakGlass bool `json:"break_glass,omitempty"`
}

// NewGrants is the body of a bulk grant: all are made, or none.
type NewGrants struct {
	Grants []NewGrant `json:"grants"`
}

// GrantEnd is the optional body of a revocation: why, for the record.
type GrantEnd struct {
	Reason string `json:"reason,omitempty"`
}

// GrantPage is one page of grants in ascending id order. Next, when set,
// is the `after` that asks for the page after it; empty, the listing ends
// here. A page may hold fewer grants than asked, even none, while Next is
// set: the server reads a bounded number of grants per page.
type GrantPage struct {
	Grants []Grant `json:"grants"`
	Next   string  `json:"next,omitempty"`
}

// DefaultGrantPage is the size of a page of GET /api/v1/grants/page
// without limit.
const DefaultGrantPage = 1000
