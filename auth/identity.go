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
	// Auditor may read the audit trail and the reports; it has no Git
	// access, whatever grants or policies name it.
	Auditor bool
	// Method says how the identity was proven.
	Method Method
	// Credential names what proved it, so it can be checked again later:
	// "token:<id>", "key:<fingerprint>", or empty.
	Credential string
	Remote     string // client address, for the audit trail
	Transport  string // "http", "ssh", "web", "api", "cli"
}

// Method says how an identity was proven, or which of the server's own
// identities it is.
type Method string

// Methods. The last four are not proven by a credential: they are minted
// only by System, LocalAdmin, AutoApprover and User.Identity, so every place
// that makes such an identity is found by searching for those names.
const (
	MethodAnonymous Method = ""
	MethodPassword  Method = "password"
	MethodToken     Method = "token"
	MethodSSHKey    Method = "ssh-key"
	MethodSession   Method = "session"
	MethodSocket    Method = "socket" // the admin unix socket
	MethodSystem    Method = "system" // the server acting on its own
	MethodPolicy    Method = "policy" // an auto-approval rule
	MethodCheck     Method = "check"  // a what-if question; never acts
)

// System is the server acting on its own (the request sweeper, the mirror
// scheduler, first start), with administrator rights. transport names the
// part acting, for the audit trail.
func System(transport string) Identity {
	return Identity{Method: MethodSystem, Admin: true, Transport: transport}
}

// LocalAdmin is whoever holds the admin unix socket: the file's mode
// (0600) is the proof, and the identity has administrator rights.
func LocalAdmin() Identity {
	return Identity{Method: MethodSocket, Admin: true, Transport: "cli", Remote: "unix"}
}

// AutoApprover is an auto-approval rule approving a request. It holds no rights
// of its own: the rule's checks are what let it approve.
func AutoApprover(transport string) Identity {
	return Identity{Method: MethodPolicy, Transport: transport}
}

// Identity is u's identity, proven by m. A disabled user's identity is
// still made: callers that admit users check Disabled first.
func (u User) Identity(m Method) Identity {
	return Identity{User: u.Name, Groups: u.Groups, Admin: u.Admin, Approver: u.Approver, Auditor: u.Auditor, Method: m}
}

// IsLocalAdmin reports whether the identity is the admin socket's.
func (id Identity) IsLocalAdmin() bool { return id.User == "" && id.Method == MethodSocket }

// Anonymous reports whether nobody signed in.
func (id Identity) Anonymous() bool { return id.User == "" }

// Name is the user name, or for identities that are no user: "local-admin"
// (the unix socket), "system" (the server itself), "policy" (an
// auto-approval rule) or "anonymous".
func (id Identity) Name() string {
	switch {
	case id.User != "":
		return id.User
	case id.Method == MethodSocket:
		return "local-admin"
	case id.Method == MethodSystem, id.Method == MethodPolicy:
		return string(id.Method)
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
