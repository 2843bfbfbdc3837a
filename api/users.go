package api

import "time"

// User is an account as the API shows it: never its password hash.
// Groups is [] rather than null when there are none.
type User struct {
	Name     string    `json:"name"`
	Groups   []string  `json:"groups"`
	Admin    bool      `json:"admin"`
	Approver bool      `json:"approver"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
	// Auditor reads the audit trail and the reports, and nothing else.
	Auditor bool `json:"auditor,omitempty"`
}

// Identity answers "who am I": the caller as the server authenticated
// it, and by which method (token, password, socket...).
type Identity struct {
	Admin    bool     `json:"admin"`
	Approver bool     `json:"approver"`
	Groups   []string `json:"groups"`
	Method   string   `json:"method"`
	User     string   `json:"user"`
	Auditor  bool     `json:"auditor,omitempty"`
}

// NewUser is the body that adds a user; without a password the user
// cannot sign in to the web with one.
type NewUser struct {
	Name     string   `json:"name"`
	Password string   `json:"password,omitempty"`
	Groups   []string `json:"groups,omitempty"`
	Admin    bool     `json:"admin,omitempty"`
	Approver bool     `json:"approver,omitempty"`
	Auditor  bool     `json:"auditor,omitempty"`
}

// UserChange is the body that changes a user: a field left out (nil)
// stays as it is.
type UserChange struct {
	Disabled *bool     `json:"disabled,omitempty"`
	Admin    *bool     `json:"admin,omitempty"`
	Approver *bool     `json:"approver,omitempty"`
	Groups   *[]string `json:"groups,omitempty"`
	Auditor  *bool     `json:"auditor,omitempty"`
}

// PasswordChange is the body that sets a password. Current is needed
// only when users change their own.
type PasswordChange struct {
	Password string `json:"password"`
	Current  string `json:"current,omitempty"`
}

// PasswordSet answers a password change with whose it was.
type PasswordSet struct {
	User string `json:"user"`
}
