package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
)

// The codecJSON records: JSON of the domain structs as the first releases
// wrote them. They are read through the frozen copies below, not the
// domain structs, so renaming a field or a JSON tag of the domain never
// makes an old record unreadable. The tags here must never change.

// legacyLevel reads a level as the first releases spelled it.
type legacyLevel auth.Level

func (l *legacyLevel) UnmarshalText(b []byte) error {
	switch string(b) {
	case "none":
		*l = legacyLevel(auth.LevelNone)
	case "read":
		*l = legacyLevel(auth.LevelRead)
	case "write":
		*l = legacyLevel(auth.LevelWrite)
	case "admin":
		*l = legacyLevel(auth.LevelAdmin)
	default:
		return fmt.Errorf("access level %q", b)
	}
	return nil
}

// legacyJSON unmarshals a codecJSON body into its frozen shape.
func legacyJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("codec %d: %w", codecJSON, err)
	}
	return nil
}

type userV1 struct {
	Name          string    `json:"name"`
	PasswordHash  string    `json:"password_hash"`
	Groups        []string  `json:"groups"`
	Admin         bool      `json:"admin"`
	Approver      bool      `json:"approver"`
	Disabled      bool      `json:"disabled"`
	Created       time.Time `json:"created"`
	SessionsAfter time.Time `json:"sessions_after"`
}

func legacyUser(b []byte, u *auth.User) error {
	var v userV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*u = auth.User{Name: v.Name, PasswordHash: v.PasswordHash, Groups: v.Groups, Admin: v.Admin,
		Approver: v.Approver, Disabled: v.Disabled, Created: v.Created, SessionsAfter: v.SessionsAfter}
	return nil
}

type tokenV1 struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Hash    string    `json:"hash"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Revoked bool      `json:"revoked"`
}

func legacyToken(b []byte, t *auth.Token) error {
	var v tokenV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*t = auth.Token{ID: v.ID, User: v.User, Hash: v.Hash, Name: v.Name, Created: v.Created,
		Expires: v.Expires, Revoked: v.Revoked}
	return nil
}

type keyV1 struct {
	Fingerprint string    `json:"fingerprint"`
	User        string    `json:"user"`
	Type        string    `json:"type"`
	Comment     string    `json:"comment"`
	Authorized  string    `json:"authorized"`
	Created     time.Time `json:"created"`
}

func legacyKey(b []byte, k *auth.Key) error {
	var v keyV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*k = auth.Key{Fingerprint: v.Fingerprint, User: v.User, Type: v.Type, Comment: v.Comment,
		Authorized: v.Authorized, Created: v.Created}
	return nil
}

type repoV1 struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Mirror      string    `json:"mirror"`
	Created     time.Time `json:"created"`
	CreatedBy   string    `json:"created_by"`
	Every       int64     `json:"every"`
	LastSync    time.Time `json:"last_sync"`
	SyncResult  string    `json:"sync_result"`
	SyncError   string    `json:"sync_error"`
	SyncUpdated int       `json:"sync_updated"`
}

func legacyRepo(b []byte, r *auth.Repo) error {
	var v repoV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*r = auth.Repo{Name: v.Name, Description: v.Description, Mirror: v.Mirror, Created: v.Created,
		CreatedBy: v.CreatedBy, Every: time.Duration(v.Every), LastSync: v.LastSync,
		SyncResult: v.SyncResult, SyncError: v.SyncError, SyncUpdated: v.SyncUpdated}
	return nil
}

type grantV1 struct {
	ID        string      `json:"id"`
	Subject   string      `json:"subject"`
	Repo      string      `json:"repo"`
	Level     legacyLevel `json:"access"`
	Starts    time.Time   `json:"starts"`
	Expires   time.Time   `json:"expires"`
	Reason    string      `json:"reason"`
	Origin    string      `json:"origin"`
	Request   string      `json:"request"`
	CreatedBy string      `json:"created_by"`
	Created   time.Time   `json:"created"`
	Ended     time.Time   `json:"ended"`
	EndedBy   string      `json:"ended_by"`
	EndNote   string      `json:"end_note"`
}

func legacyGrant(b []byte, g *auth.Grant) error {
	var v grantV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*g = auth.Grant{ID: v.ID, Subject: v.Subject, Repo: v.Repo, Level: auth.Level(v.Level),
		Starts: v.Starts, Expires: v.Expires, Reason: v.Reason, Origin: auth.Origin(v.Origin),
		Request: v.Request, CreatedBy: v.CreatedBy, Created: v.Created, Ended: v.Ended,
		EndedBy: v.EndedBy, EndNote: v.EndNote}
	return nil
}

type policyV1 struct {
	ID          string      `json:"id"`
	Description string      `json:"description"`
	Subjects    []string    `json:"subjects"`
	Repos       []string    `json:"repos"`
	Effect      string      `json:"effect"`
	Level       legacyLevel `json:"access"`
	Approve     bool        `json:"approve"`
	AutoMax     int64       `json:"auto_max"`
	AutoLevel   legacyLevel `json:"auto_access"`
	Approvals   int         `json:"approvals"`
	Source      string      `json:"source"`
}

func legacyPolicy(b []byte, p *auth.Policy) error {
	var v policyV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*p = auth.Policy{ID: v.ID, Description: v.Description, Subjects: v.Subjects, Repos: v.Repos,
		Effect: auth.Effect(v.Effect), Level: auth.Level(v.Level), Approve: v.Approve,
		AutoMax: time.Duration(v.AutoMax), AutoLevel: auth.Level(v.AutoLevel), Approvals: v.Approvals,
		Source: v.Source}
	return nil
}

type reviewV1 struct {
	By       string    `json:"by"`
	Approved bool      `json:"approved"`
	Duration int64     `json:"duration"`
	Comment  string    `json:"comment"`
	At       time.Time `json:"at"`
}

type requestV1 struct {
	ID        string      `json:"id"`
	Requester string      `json:"requester"`
	Repo      string      `json:"repo"`
	Level     legacyLevel `json:"access"`
	Duration  int64       `json:"duration"`
	Reason    string      `json:"reason"`
	Ticket    string      `json:"ticket"`
	Status    string      `json:"status"`
	Created   time.Time   `json:"created"`
	Expires   time.Time   `json:"expires"`
	Needed    int         `json:"approvals_needed"`
	Reviews   []reviewV1  `json:"reviews"`
	Decided   time.Time   `json:"decided"`
	DenyNote  string      `json:"deny_reason"`
	Grant     string      `json:"grant"`
	Extends   string      `json:"extends"`
	AutoRule  string      `json:"auto_rule"`
}

func legacyRequest(b []byte, r *auth.Request) error {
	var v requestV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*r = auth.Request{ID: v.ID, Requester: v.Requester, Repo: v.Repo, Level: auth.Level(v.Level),
		Duration: time.Duration(v.Duration), Reason: v.Reason, Ticket: v.Ticket,
		Status: auth.RequestStatus(v.Status), Created: v.Created, Expires: v.Expires, Needed: v.Needed,
		Decided: v.Decided, DenyNote: v.DenyNote, Grant: v.Grant, Extends: v.Extends, AutoRule: v.AutoRule}
	if v.Reviews != nil {
		r.Reviews = make([]auth.Review, len(v.Reviews))
		for i, w := range v.Reviews {
			r.Reviews[i] = auth.Review{By: w.By, Approved: w.Approved, Duration: time.Duration(w.Duration),
				Comment: w.Comment, At: w.At}
		}
	}
	return nil
}

type sessionV1 struct {
	Hash    string    `json:"hash"`
	User    string    `json:"user"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

func legacySession(b []byte, s *auth.Session) error {
	var v sessionV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*s = auth.Session{Hash: v.Hash, User: v.User, CSRF: v.CSRF, Created: v.Created, Expires: v.Expires}
	return nil
}

type eventV1 struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Remote    string    `json:"remote"`
	Transport string    `json:"transport"`
	Action    string    `json:"action"`
	Repo      string    `json:"repo"`
	Target    string    `json:"target"`
	Result    string    `json:"result"`
	Grant     string    `json:"grant"`
	Policy    string    `json:"policy"`
	Request   string    `json:"request"`
	Detail    string    `json:"detail"`
	Prev      string    `json:"prev"`
	Hash      string    `json:"hash"`
}

// legacyEvent reads an event of the first releases. Those were all hashed
// in audit.HashV1, which the record did not say, so the form is set here;
// a key "hash_version" in the JSON is not read.
func legacyEvent(b []byte, e *audit.Event) error {
	var v eventV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*e = audit.Event{Seq: v.Seq, Time: v.Time, Actor: v.Actor, Remote: v.Remote, Transport: v.Transport,
		Action: v.Action, Repo: v.Repo, Target: v.Target, Result: v.Result, Grant: v.Grant,
		Policy: v.Policy, Request: v.Request, Detail: v.Detail, Prev: v.Prev, Hash: v.Hash,
		HashVersion: audit.HashV1}
	return nil
}

type AuditHeadV1 struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
}

func legacyAuditHead(b []byte, h *AuditHead) error {
	var v AuditHeadV1
	if err := legacyJSON(b, &v); err != nil {
		return err
	}
	*h = AuditHead(v)
	return nil
}
