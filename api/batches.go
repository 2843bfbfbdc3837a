package api

import "time"

// BulkGrantsPath takes a bulk file as the raw request body (CSV or JSON
// lines, streamed; not JSON), with the query parameters format=csv|jsonl,
// dry_run=1, skip_invalid=1, extend=1, lines=1 (every line in the answer,
// not only the invalid ones), note=TEXT, break_glass=1 with reason=TEXT.
// It answers a BulkResult: 201 when a batch was written, 200 for a dry
// run or a file with nothing new, 422 when lines are invalid (nothing
// written), 413 for a file over the bounds.
const BulkGrantsPath = "/api/v1/batches"

// BulkLine is what became of one line of a bulk file.
type BulkLine struct {
	Line    int    `json:"line"`
	Status  string `json:"status"` // new, extended, unchanged, invalid
	Subject string `json:"subject,omitempty"`
	Repo    string `json:"repo,omitempty"`
	Access  string `json:"access,omitempty"`
	For     string `json:"for,omitempty"`
	Grant   string `json:"grant,omitempty"`   // made, or the running one left as it is
	Extends string `json:"extends,omitempty"` // the grant an extension replaced
	Error   string `json:"error,omitempty"`
}

// BulkResult is the answer to a bulk file.
type BulkResult struct {
	Batch     string     `json:"batch,omitempty"` // none on a dry run or when nothing was written
	Format    string     `json:"format"`
	DryRun    bool       `json:"dry_run"`
	New       int        `json:"new"`
	Extended  int        `json:"extended"`
	Unchanged int        `json:"unchanged"`
	Invalid   int        `json:"invalid"`
	Lines     []BulkLine `json:"lines"`
	Error     string     `json:"error,omitempty"`
}

// Batch is one bulk load as listings show it.
type Batch struct {
	ID        string    `json:"id"`
	State     string    `json:"state"`
	CreatedBy string    `json:"created_by"`
	Created   time.Time `json:"created"`
	Grants    int       `json:"grants"`
	Replaced  int       `json:"replaced"`
	Note      string    `json:"note,omitempty"`
}

// GrantSelection names the running grants to revoke: at least one field.
type GrantSelection struct {
	User   string `json:"user,omitempty"`
	Group  string `json:"group,omitempty"`
	Repo   string `json:"repo,omitempty"`
	Batch  string `json:"batch,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// GrantsRevoked says how many grants a revocation ended.
type GrantsRevoked struct {
	Revoked int      `json:"revoked"`
	IDs     []string `json:"ids"`
}

// ImportUsersPath takes a user file as the raw request body (CSV
// name,groups,flags or JSON lines), with format=csv|jsonl and dry_run=1.
// It answers a UserImportResult: 200, or 422 when lines are invalid
// (nothing written).
const ImportUsersPath = "/api/v1/users/import"

// UserImportLine is what became of one line of a user file.
type UserImportLine struct {
	Line   int    `json:"line"`
	Status string `json:"status"` // new, updated, unchanged, invalid
	Name   string `json:"name,omitempty"`
	Error  string `json:"error,omitempty"`
}

// UserImportResult is the answer to a user file.
type UserImportResult struct {
	Format    string           `json:"format"`
	DryRun    bool             `json:"dry_run"`
	New       int              `json:"new"`
	Updated   int              `json:"updated"`
	Unchanged int              `json:"unchanged"`
	Invalid   int              `json:"invalid"`
	Lines     []UserImportLine `json:"lines"`
	Error     string           `json:"error,omitempty"`
}

// Group is a group and its members.
type Group struct {
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// Members names users to add to a group or take out of it.
type Members struct {
	Users []string `json:"users"`
}

// MembersChanged names the users a membership change changed.
type MembersChanged struct {
	Changed []string `json:"changed"`
}

// ActAsHeader, on the admin socket only, names the administrator the
// request acts as (`jitgit --as NAME`); a remote request's identity comes
// from its token alone and ignores it.
const ActAsHeader = "X-Jitgit-As"

// RepoImport asks the server to register the bare repositories at
// Dir/OWNER/NAME(.git) on its own file system, moved or copied.
type RepoImport struct {
	Dir  string `json:"dir"`
	Move bool   `json:"move,omitempty"`
}

// RepoImported names what an import registered and what it left, with why.
type RepoImported struct {
	Imported []string `json:"imported"`
	Skipped  []string `json:"skipped"`
}

// RepoDescription is a repository's new description.
type RepoDescription struct {
	Description string `json:"description"`
}

// RepoRename is the new name of a repository.
type RepoRename struct {
	To string `json:"to"`
}

// RepoRemoval confirms a removal; Force revokes the running grants on it.
type RepoRemoval struct {
	Force bool `json:"force,omitempty"`
}
