package api

import "time"

// Decision answers an access check: allowed or not, what decided (a grant
// or a policy) and why in words a user understands.
type Decision struct {
	Allowed bool       `json:"allowed"`
	User    string     `json:"user"`
	Repo    string     `json:"repo"`
	Access  string     `json:"access"`
	Ref     string     `json:"ref,omitempty"`    // the ref whose update was checked
	Change  string     `json:"change,omitempty"` // its kind: create, update, force or delete
	Grant   string     `json:"grant,omitempty"`
	Policy  string     `json:"policy,omitempty"`
	Expires *time.Time `json:"expires,omitempty"` // when the deciding grant ends
	Reason  string     `json:"reason"`
}
