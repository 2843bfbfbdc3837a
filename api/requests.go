package api

import "time"

// Request is an access request as the API shows it; Approvals counts the
// approving reviews so far, against ApprovalsNeeded.
type Request struct {
	ID              string     `json:"id"`
	Requester       string     `json:"requester"`
	Repo            string     `json:"repo"`
	Access          string     `json:"access"`
	Ref             string     `json:"ref,omitempty"`
	Allow           string     `json:"allow,omitempty"`
	Duration        string     `json:"duration"`
	Reason          string     `json:"reason"`
	Ticket          string     `json:"ticket,omitempty"`
	Status          string     `json:"status"` // pending, approved, denied, cancelled, expired
	Created         time.Time  `json:"created"`
	Expires         time.Time  `json:"expires"` // when a pending request lapses
	ApprovalsNeeded int        `json:"approvals_needed"`
	Approvals       int        `json:"approvals"`
	Reviews         []Review   `json:"reviews"` // [] rather than null
	Decided         *time.Time `json:"decided,omitempty"`
	DenyReason      string     `json:"deny_reason,omitempty"`
	Grant           string     `json:"grant,omitempty"` // the grant made or extended
	Extends         string     `json:"extends,omitempty"`
	AutoRule        string     `json:"auto_rule,omitempty"` // the policy that approved it
}

// Review is one approver's word on a request.
type Review struct {
	By       string    `json:"by"`
	Approved bool      `json:"approved"`
	Duration string    `json:"duration,omitempty"` // a shorter time than asked
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// NewRequest is the body that asks for access; an empty Duration is the
// server's default. Extends names a running grant to lengthen.
type NewRequest struct {
	Repo     string `json:"repo"`
	Access   string `json:"access"`
	Ref      string `json:"ref,omitempty"`   // optional ref pattern the grant will name
	Allow    string `json:"allow,omitempty"` // force, delete on Ref
	Duration string `json:"duration,omitempty"`
	Reason   string `json:"reason"`
	Ticket   string `json:"ticket,omitempty"`
	Extends  string `json:"extends,omitempty"`
}

// Approval is the optional body of an approval: a shorter duration than
// asked, and a note for the requester.
type Approval struct {
	Duration string `json:"duration,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Denial is the body of a denial; the reason is required and shown to the
// requester.
type Denial struct {
	Reason string `json:"reason"`
}
