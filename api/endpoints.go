package api

// The endpoints of /api/v1. Query parameters are not part of the types:
// GET /grants takes user, group, repo, batch, expiring_within, all
// (/grants/page these and limit, after); /requests status, mine; /access/check
// user, repo, access; /audit since, until, user, repo, action, result, limit,
// page, after (without limit or page, a page of DefaultEventPage).
var (
	Whoami      = Endpoint[None, Identity]{Method: "GET", Path: "/api/v1/whoami"}
	ListUsers   = Endpoint[None, []User]{Method: "GET", Path: "/api/v1/users"}
	CreateUser  = Endpoint[NewUser, User]{Method: "POST", Path: "/api/v1/users"}
	UpdateUser  = Endpoint[UserChange, User]{Method: "POST", Path: "/api/v1/users/{name}"}
	SetPassword = Endpoint[PasswordChange, PasswordSet]{Method: "POST", Path: "/api/v1/users/{name}/password"}

	ListTokens  = Endpoint[None, []Token]{Method: "GET", Path: "/api/v1/users/{name}/tokens"}
	CreateToken = Endpoint[NewToken, CreatedToken]{Method: "POST", Path: "/api/v1/users/{name}/tokens"}
	RevokeToken = Endpoint[None, TokenRevoked]{Method: "POST", Path: "/api/v1/users/{name}/tokens/{id}/revoke"}
	// ExchangeToken needs no credential: the identity token is the proof.
	ExchangeToken = Endpoint[TokenExchange, CreatedToken]{Method: "POST", Path: "/api/v1/token-exchange"}

	ListKeys  = Endpoint[None, []Key]{Method: "GET", Path: "/api/v1/users/{name}/keys"}
	AddKey    = Endpoint[NewKey, Key]{Method: "POST", Path: "/api/v1/users/{name}/keys"}
	RemoveKey = Endpoint[KeyRef, KeyRemoved]{Method: "POST", Path: "/api/v1/users/{name}/keys/remove"}

	ListRepos  = Endpoint[None, []Repo]{Method: "GET", Path: "/api/v1/repos"}
	CreateRepo = Endpoint[NewRepo, Repo]{Method: "POST", Path: "/api/v1/repos"}
	SyncRepo   = Endpoint[None, Repo]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/sync"}
	PurgeRepo  = Endpoint[None, RepoPurged]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/purge"}

	SetMirror         = Endpoint[MirrorChange, Repo]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/mirror"}
	RemoveMirror      = Endpoint[MirrorRemoval, MirrorRemoved]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/mirror/remove"}
	ListCredentials   = Endpoint[None, []Credential]{Method: "GET", Path: "/api/v1/credentials"}
	AddCredential     = Endpoint[NewCredential, Credential]{Method: "POST", Path: "/api/v1/credentials"}
	RemoveCredential  = Endpoint[None, CredentialRemoved]{Method: "POST", Path: "/api/v1/credentials/{name}/remove"}
	ImportRepos       = Endpoint[RepoImport, RepoImported]{Method: "POST", Path: "/api/v1/repos/import"}
	UnregisteredRepos = Endpoint[None, []string]{Method: "GET", Path: "/api/v1/repos/unregistered"}
	DescribeRepo      = Endpoint[RepoDescription, Repo]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/describe"}
	RenameRepo        = Endpoint[RepoRename, Repo]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/rename"}
	RemoveRepo        = Endpoint[RepoRemoval, None]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/remove", OptionalBody: true}
	ArchiveRepo       = Endpoint[RepoArchive, Repo]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/archive"}
	UnarchiveRepo     = Endpoint[None, Repo]{Method: "POST", Path: "/api/v1/repos/{owner}/{name}/unarchive"}

	// ListGrants answers every grant the filters select, in ascending id
	// order, streamed; ListGrantPage answers them a page at a time.
	ListGrants      = Endpoint[None, []Grant]{Method: "GET", Path: "/api/v1/grants"}
	ListGrantPage   = Endpoint[None, GrantPage]{Method: "GET", Path: "/api/v1/grants/page"}
	CreateGrant     = Endpoint[NewGrant, Grant]{Method: "POST", Path: "/api/v1/grants"}
	CreateGrants    = Endpoint[NewGrants, []Grant]{Method: "POST", Path: "/api/v1/grants/bulk"}
	GetGrant        = Endpoint[None, Grant]{Method: "GET", Path: "/api/v1/grants/{id}"}
	RevokeGrant     = Endpoint[GrantEnd, Grant]{Method: "POST", Path: "/api/v1/grants/{id}/revoke", OptionalBody: true}
	RelinquishGrant = Endpoint[None, Grant]{Method: "POST", Path: "/api/v1/grants/{id}/relinquish"}
	RevokeGrants    = Endpoint[GrantSelection, GrantsRevoked]{Method: "POST", Path: "/api/v1/grants/revoke"}
	ListBatches     = Endpoint[None, []Batch]{Method: "GET", Path: "/api/v1/batches"}

	ListGroups    = Endpoint[None, []Group]{Method: "GET", Path: "/api/v1/groups"}
	AddMembers    = Endpoint[Members, MembersChanged]{Method: "POST", Path: "/api/v1/groups/{name}/members"}
	RemoveMembers = Endpoint[Members, MembersChanged]{Method: "POST", Path: "/api/v1/groups/{name}/members/remove"}

	CheckAccess  = Endpoint[None, Decision]{Method: "GET", Path: "/api/v1/access/check"}
	ListPolicies = Endpoint[None, []Policy]{Method: "GET", Path: "/api/v1/policies"}

	ListProtections  = Endpoint[None, []Protection]{Method: "GET", Path: "/api/v1/protections"}
	AddProtection    = Endpoint[Protection, Protection]{Method: "POST", Path: "/api/v1/protections"}
	RemoveProtection = Endpoint[None, ProtectionRemoved]{Method: "POST", Path: "/api/v1/protections/{id}/remove"}

	ListEvents  = Endpoint[None, EventPage]{Method: "GET", Path: "/api/v1/audit"}
	VerifyAudit = Endpoint[None, AuditHead]{Method: "GET", Path: "/api/v1/audit/verify"}
	// GetClusterStatus shows the nodes, the job leaders, the store's health
	// and the trusted checkpoint keys.
	GetClusterStatus = Endpoint[None, ClusterStatus]{Method: "GET", Path: "/api/v1/cluster"}
	// ReloadConfig re-reads the server's config file.
	ReloadConfig = Endpoint[None, ConfigReload]{Method: "POST", Path: "/api/v1/config/reload", OptionalBody: true}
	// AccessReport takes repo or user, since, until.
	AccessReport = Endpoint[None, []AccessInterval]{Method: "GET", Path: "/api/v1/reports/access"}

	// ListRequests answers every request the filters select, streamed;
	// ListRequestPage answers them a page at a time (limit, after).
	ListRequests    = Endpoint[None, []Request]{Method: "GET", Path: "/api/v1/requests"}
	ListRequestPage = Endpoint[None, RequestPage]{Method: "GET", Path: "/api/v1/requests/page"}
	CreateRequest   = Endpoint[NewRequest, Request]{Method: "POST", Path: "/api/v1/requests"}
	GetRequest      = Endpoint[None, Request]{Method: "GET", Path: "/api/v1/requests/{id}"}
	ApproveRequest  = Endpoint[Approval, Request]{Method: "POST", Path: "/api/v1/requests/{id}/approve", OptionalBody: true}
	DenyRequest     = Endpoint[Denial, Request]{Method: "POST", Path: "/api/v1/requests/{id}/deny"}
	CancelRequest   = Endpoint[None, Request]{Method: "POST", Path: "/api/v1/requests/{id}/cancel"}
)
