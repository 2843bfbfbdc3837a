package auth

import "time"

// User is a person or a machine account.
type User struct {
	Name         string    `json:"name"`
	PasswordHash string    `json:"password_hash,omitempty"` // argon2id, PHC string; empty: no password sign-in
	Groups       []string  `json:"groups,omitempty"`
	Admin        bool      `json:"admin,omitempty"`
	Approver     bool      `json:"approver,omitempty"` // may approve requests for any repository
	Disabled     bool      `json:"disabled,omitempty"`
	Created      time.Time `json:"created"`
	// SessionsAfter ends every web session made before it; a password
	// change sets it, so a stolen session dies with the old password.
	SessionsAfter time.Time `json:"sessions_after,omitzero"`
	// Auditor reads the audit trail, the reports and the metadata of
	// repositories and grants, and nothing else: no Git access, no changes.
	Auditor bool `json:"auditor,omitempty"`
}

// Token is a personal access token. The secret is never stored: Hash is the
// SHA-256 of the whole token string, and lookups go by hash.
type Token struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Hash    string    `json:"hash"` // hex SHA-256 of the token; never shown
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires,omitzero"` // zero: never
	Revoked bool      `json:"revoked,omitempty"`
	// While, when set, binds the token to a grant or request it lives
	// with ("grant:<id>", "request:<id>"): it works only while that grant
	// is active, or that request is pending or approved with its grant
	// active. Exchanged CI tokens carry it where their trust rule says.
	While string `json:"while,omitempty"`
}

// Key is an SSH public key. A key belongs to exactly one user.
type Key struct {
	Fingerprint string    `json:"fingerprint"` // SHA256:... as ssh-keygen prints it
	User        string    `json:"user"`
	Type        string    `json:"type"`
	Comment     string    `json:"comment,omitempty"`
	Authorized  string    `json:"authorized"` // the key in authorized_keys form
	Created     time.Time `json:"created"`
}

// Repo is a hosted bare repository.
type Repo struct {
	Name        string    `json:"name"` // canonical owner/name
	Description string    `json:"description,omitempty"`
	Mirror      string    `json:"mirror,omitempty"` // upstream URL; a mirror is read-only
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by"`
	// Every is how often a mirror is fetched from its upstream (0: the
	// default, one hour).
	Every time.Duration `json:"every,omitempty"`
	// LastSync is when the last fetch of a mirror ended, SyncResult how:
	// "ok" or "error". SyncError says why it failed, SyncUpdated how many
	// refs it changed. Credentials never appear in SyncError.
	LastSync    time.Time `json:"last_sync,omitzero"`
	SyncResult  string    `json:"sync_result,omitempty"`
	SyncError   string    `json:"sync_error,omitempty"`
	SyncUpdated int       `json:"sync_updated,omitempty"`

	// Credential names the credential a mirror's fetches authenticate
	// with ("": none).
	Credential string `json:"credential,omitempty"`
	// HostKeys are a mirror's pinned SSH host keys of its upstream, one
	// "type base64" per line. HostKeyTOFU says they are (or will be)
	// recorded from the first fetch rather than given by an administrator.
	HostKeys    string `json:"host_keys,omitempty"`
	HostKeyTOFU bool   `json:"host_key_tofu,omitempty"`
	// Paused stops the scheduled fetches of a mirror; syncing by hand still
	// works.
	Paused bool `json:"paused,omitempty"`
	// ReadOnly is a former mirror kept read-only: served, never fetched
	// again, never pushed to. (Stored where the mirror's first "archive"
	// flag was; an archived repository is another thing, see Archived.)
	ReadOnly bool `json:"read_only,omitempty"`
	// LastSuccess is when a fetch last succeeded, SyncDuration how long the
	// last fetch took, SyncRewritten how many of its updated refs were
	// rewritten (not fast-forwards), Failures how many fetches in a row
	// have failed (the backoff).
	LastSuccess   time.Time     `json:"last_success,omitzero"`
	SyncDuration  time.Duration `json:"sync_duration,omitempty"`
	SyncRewritten int           `json:"sync_rewritten,omitempty"`
	Failures      int           `json:"failures,omitempty"`

	// Archived is when an administrator archived the repository (zero:
	// it is not). An archived repository allows no access at all, to
	// anyone, until it is unarchived; its files, its grants (which keep
	// running out on their own) and its audit history are kept.
	// ArchivedBy is who archived it, ArchiveReason why.
	Archived      time.Time `json:"archived,omitzero"`
	ArchivedBy    string    `json:"archived_by,omitempty"`
	ArchiveReason string    `json:"archive_reason,omitempty"`
}

// IsArchived reports whether the repository is archived: no access at all.
func (r Repo) IsArchived() bool { return !r.Archived.IsZero() }

// Mirror schedule limits.
const (
	DefaultMirrorEvery = time.Hour
	MinMirrorEvery     = time.Minute
	MaxMirrorEvery     = 7 * 24 * time.Hour
	// MirrorRetryFirst is the wait after a first failed fetch; it doubles
	// with every further failure up to MirrorRetryMax.
	MirrorRetryFirst = time.Minute
	MirrorRetryMax   = time.Hour
)

// NextSync returns when a mirror is next due: MirrorRetryFirst after its
// creation if never fetched, Every after its last fetch, or, after n
// failed fetches in a row, after MirrorRetryFirst doubled n-1 times, at
// most MirrorRetryMax, whatever Every is. A paused or archived mirror, or
// a repository that is no mirror, is never due: ok is false.
func (r Repo) NextSync() (at time.Time, ok bool) {
	if r.Mirror == "" || r.Paused || r.IsArchived() {
		return time.Time{}, false
	}
	if r.LastSync.IsZero() {
		// Its creation fetches it at once; the scheduler steps in only if
		// that never got to record a result (the server stopped).
		return r.Created.Add(MirrorRetryFirst), true
	}
	every := r.Every
	if every <= 0 {
		every = DefaultMirrorEvery
	}
	failures := r.Failures
	if failures == 0 && r.SyncResult == "error" {
		failures = 1 // recorded before failures were counted
	}
	if failures > 0 {
		every = MirrorRetryMax
		if failures <= 10 {
			every = min(MirrorRetryFirst<<(failures-1), MirrorRetryMax)
		}
	}
	return r.LastSync.Add(every), true
}

// SyncDue reports whether a mirror should be fetched at now (see NextSync).
func (r Repo) SyncDue(now time.Time) bool {
	at, ok := r.NextSync()
	return ok && !now.Before(at)
}

// Origin says how a grant came about.
type Origin string

// Grant origins.
const (
	OriginAdmin   Origin = "admin"
	OriginRequest Origin = "request"
	OriginBulk    Origin = "bulk"
)

// Grant is time-bounded access of one subject to one repository or to every
// repository of an owner. It always ends.
type Grant struct {
	ID      string `json:"id"`
	Subject string `json:"subject"` // principal: "user:alice" or "group:sre"
	Repo    string `json:"repo"`    // canonical name or "owner/*"
	Level   Level  `json:"access"`
	// Ref, when set, is a ref pattern: the grant then covers only the refs
	// it matches, and it names them, which lifts the protection rules on
	// them; Allow says which forbidden kinds (force, delete) it allows.
	Ref       string    `json:"ref,omitempty"`
	Allow     Changes   `json:"allow,omitempty"`
	Starts    time.Time `json:"starts"`
	Expires   time.Time `json:"expires"`
	Reason    string    `json:"reason"`
	Origin    Origin    `json:"origin"`
	Request   string    `json:"request,omitempty"` // request id when Origin is request
	CreatedBy string    `json:"created_by"`
	Created   time.Time `json:"created"`
	// Ended is set when the grant was revoked or relinquished before Expires.
	Ended   time.Time `json:"ended,omitzero"`
	EndedBy string    `json:"ended_by,omitempty"`
	EndNote string    `json:"end_note,omitempty"`
	// Batch is the id of the bulk load that made the grant, if one did;
	// such a grant counts only once its batch is committed.
	Batch string `json:"batch,omitempty"`
}

// End is when the grant stops allowing anything: Expires, or Ended if sooner.
func (g Grant) End() time.Time {
	if !g.Ended.IsZero() && g.Ended.Before(g.Expires) {
		return g.Ended
	}
	return g.Expires
}

// ActiveAt reports whether the grant allows anything at t. The window is
// half-open: [Starts, End).
func (g Grant) ActiveAt(t time.Time) bool {
	return !t.Before(g.Starts) && t.Before(g.End())
}

// Effect of a policy.
type Effect string

// Policy effects.
const (
	Allow Effect = "allow"
	Deny  Effect = "deny"
)

// Policy is a standing rule. Access policies say who may read or write what
// without a grant (Level); approval rules say who may approve requests for
// what (Approve); auto-approval rules approve matching requests on submit up
// to AutoMax.
type Policy struct {
	ID          string        `json:"id"`
	Description string        `json:"description,omitempty"`
	Subjects    []string      `json:"subjects"` // principals: "user:x", "group:y", "users" (signed in), "anyone"
	Repos       []string      `json:"repos"`    // patterns: exact, owner/*, *
	Effect      Effect        `json:"effect"`
	Level       Level         `json:"access,omitempty"`  // standing access at this level
	Approve     bool          `json:"approve,omitempty"` // subjects may approve requests on Repos
	AutoMax     time.Duration `json:"auto_max,omitempty"`
	AutoLevel   Level         `json:"auto_access,omitempty"`
	Approvals   int           `json:"approvals,omitempty"` // approvals needed on Repos (0: default)
	Source      string        `json:"source"`              // "config" or the admin who made it
}

// RequestStatus is where a request stands.
type RequestStatus string

// Request states.
const (
	StatusPending   RequestStatus = "pending"
	StatusApproved  RequestStatus = "approved"
	StatusDenied    RequestStatus = "denied"
	StatusCancelled RequestStatus = "cancelled"
	StatusExpired   RequestStatus = "expired"
)

// Review is one approver's decision on a request.
type Review struct {
	By       string        `json:"by"`
	Approved bool          `json:"approved"`
	Duration time.Duration `json:"duration,omitempty"`
	Comment  string        `json:"comment,omitempty"`
	At       time.Time     `json:"at"`
}

// Request asks for access to one repository for a bounded time. Once filed
// its repo, level, duration and reason never change.
type Request struct {
	ID        string        `json:"id"`
	Requester string        `json:"requester"`
	Repo      string        `json:"repo"`
	Level     Level         `json:"access"`
	Ref       string        `json:"ref,omitempty"`   // ref pattern the grant will name; empty: every unprotected ref
	Allow     Changes       `json:"allow,omitempty"` // force, delete on Ref
	Duration  time.Duration `json:"duration"`
	Reason    string        `json:"reason"`
	Ticket    string        `json:"ticket,omitempty"`
	Status    RequestStatus `json:"status"`
	Created   time.Time     `json:"created"`
	Expires   time.Time     `json:"expires"` // a pending request lapses then
	Needed    int           `json:"approvals_needed"`
	Reviews   []Review      `json:"reviews,omitempty"`
	Decided   time.Time     `json:"decided,omitzero"`
	DenyNote  string        `json:"deny_reason,omitempty"`
	Grant     string        `json:"grant,omitempty"`   // the grant made or extended
	Extends   string        `json:"extends,omitempty"` // grant id this request extends
	AutoRule  string        `json:"auto_rule,omitempty"`
}

// Session is a signed-in web session. ID is stored hashed like a token.
type Session struct {
	Hash    string    `json:"hash"`
	User    string    `json:"user"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}
