package auth

import "time"

// Principal spellings. A grant or policy names one of these as its subject.
const (
	PrincipalAnyone = "anyone" // everybody, signed in or not
	PrincipalUsers  = "users"  // every signed-in user
)

// UserPrincipal is the subject string of a user.
func UserPrincipal(name string) string { return "user:" + name }

// GroupPrincipal is the subject string of a group.
func GroupPrincipal(name string) string { return "group:" + name }

// Identity is who is asking and from where. The zero Identity is anonymous.
type Identity struct {
	User     string   // empty: anonymous
	Groups   []string // group names
	Admin    bool
	Approver bool
	// Method says how the identity was proven: "password", "token",
	// "ssh-key", "session", "socket" or "" for anonymous.
	Method string
	// Credential names what proved it, so it can be checked again later:
	// "token:<id>", "key:<fingerprint>", or empty.
	Credential string
	Remote     string // client address, for the audit trail
	Transport  string // "http", "ssh", "web", "api", "cli"
}

// Anonymous reports whether nobody signed in.
func (id Identity) Anonymous() bool { return id.User == "" }

// Name is the user name, or for identities that are no user: "local-admin"
// (the unix socket), "system" (the server itself), "policy" (an
// auto-approval rule) or "anonymous".
func (id Identity) Name() string {
	switch {
	case id.User != "":
		return id.User
	case id.Method == "socket":
		return "local-admin"
	case id.Method == "system", id.Method == "policy":
		return id.Method
	}
	return "anonymous"
}

// Principals lists every subject this identity acts as, most specific first:
// the user, its groups, "users" when signed in, and "anyone".
func (id Identity) Principals() []string {
	if id.User == "" {
		return []string{PrincipalAnyone}
	}
	p := make([]string, 0, len(id.Groups)+3)
	p = append(p, UserPrincipal(id.User))
	for _, g := range id.Groups {
		p = append(p, GroupPrincipal(g))
	}
	return append(p, PrincipalUsers, PrincipalAnyone)
}

// Decision is the answer to one access question.
type Decision struct {
	Allowed bool
	Level   Level     // what was asked for
	Grant   string    // the grant that allowed it, if any
	Policy  string    // the policy that allowed or denied it, if any
	Expires time.Time // when the deciding grant ends; zero for policies
	// Final means no grant can change the answer (a deny policy, a
	// read-only mirror), so a deny message should not suggest asking.
	Final bool
	// Reason says in plain words what decided, e.g. "grant g_abc (write,
	// ends in 1h59m)" or "alice has no active grant to write acme/payments".
	Reason string
}
