package api

// Policy is a standing rule as the API shows it. Access is empty for a
// rule that grants no standing access; AutoMax is a duration ("1h").
type Policy struct {
	ID          string   `json:"id"`
	Description string   `json:"description,omitempty"`
	Subjects    []string `json:"subjects"`
	Repos       []string `json:"repos"`
	Effect      string   `json:"effect"` // allow or deny
	Access      string   `json:"access,omitempty"`
	Approve     bool     `json:"approve,omitempty"`
	AutoMax     string   `json:"auto_max,omitempty"`
	AutoAccess  string   `json:"auto_access,omitempty"`
	Approvals   int      `json:"approvals,omitempty"`
	Source      string   `json:"source"` // "config" or the admin who made it
}
