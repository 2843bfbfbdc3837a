package web

import (
	"fmt"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// The conversions from the domain's records to the API's answers. They
// are the only way a record reaches the wire, so what the store keeps
// (password and token hashes) stays out of it by construction, and the
// domain's JSON tags are free to serve storage alone.

// each converts every element of xs; the answer is [] rather than null
// for none, as scripts expect an array.
func each[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func viewUser(u auth.User) api.User {
	g := u.Groups
	if g == nil {
		g = []string{}
	}
	return api.User{Name: u.Name, Groups: g, Admin: u.Admin, Approver: u.Approver, Disabled: u.Disabled, Created: u.Created, Auditor: u.Auditor}
}

func viewIdentity(who auth.Identity) api.Identity {
	return api.Identity{User: who.Name(), Groups: who.Groups, Admin: who.Admin, Approver: who.Approver, Method: string(who.Method), Auditor: who.Auditor}
}

func viewToken(t auth.Token) api.Token {
	return api.Token{ID: t.ID, User: t.User, Name: t.Name, Created: t.Created, Expires: t.Expires, Revoked: t.Revoked, While: t.While}
}

func viewKey(k auth.Key) api.Key {
	return api.Key{Fingerprint: k.Fingerprint, User: k.User, Type: k.Type, Comment: k.Comment, Authorized: k.Authorized, Created: k.Created}
}

func viewRepo(r auth.Repo) api.Repo {
	return api.Repo{
		Name: r.Name, Description: r.Description, Mirror: r.Mirror, Created: r.Created, CreatedBy: r.CreatedBy, Every: r.Every,
		LastSync: r.LastSync, SyncResult: r.SyncResult, SyncError: r.SyncError, SyncUpdated: r.SyncUpdated,
		Archived: optTime(r.Archived), ArchivedBy: r.ArchivedBy, ArchiveReason: r.ArchiveReason,
	}
}

// grantsAt converts grants as they stand at now, which decides Active and
// Remaining.
func grantsAt(now time.Time) func(auth.Grant) api.Grant {
	return func(g auth.Grant) api.Grant {
		v := api.Grant{
			ID: g.ID, Subject: g.Subject, Repo: g.Repo, Access: g.Level.String(), Ref: g.Ref, Allow: g.Allow.String(), Starts: g.Starts, Expires: g.Expires, Ends: g.End(),
			Active: g.ActiveAt(now), Reason: g.Reason, Origin: string(g.Origin), Request: g.Request, CreatedBy: g.CreatedBy,
			Ended: optTime(g.Ended), EndedBy: g.EndedBy, Batch: g.Batch,
		}
		if v.Active {
			v.Remaining = auth.FormatDuration(g.End().Sub(now))
		}
		return v
	}
}

func viewGrant(g auth.Grant, now time.Time) api.Grant { return grantsAt(now)(g) }

func viewRequest(r auth.Request) api.Request {
	v := api.Request{
		ID: r.ID, Requester: r.Requester, Repo: r.Repo, Access: r.Level.String(), Ref: r.Ref, Allow: r.Allow.String(), Duration: auth.FormatDuration(r.Duration),
		Reason: r.Reason, Ticket: r.Ticket, Status: string(r.Status), Created: r.Created, Expires: r.Expires,
		ApprovalsNeeded: r.Needed, Decided: optTime(r.Decided), DenyReason: r.DenyNote, Grant: r.Grant, Extends: r.Extends, AutoRule: r.AutoRule,
		Reviews: each(r.Reviews, viewReview),
	}
	for _, rv := range r.Reviews {
		if rv.Approved {
			v.Approvals++
		}
	}
	return v
}

func viewReview(rv auth.Review) api.Review {
	return api.Review{By: rv.By, Approved: rv.Approved, Duration: optDurationText(rv.Duration), Comment: rv.Comment, At: rv.At}
}

func viewDecision(d auth.Decision, user, repo string, ref auth.RefUpdate) api.Decision {
	out := api.Decision{Allowed: d.Allowed, User: user, Repo: repo, Access: d.Level.String(), Grant: d.Grant, Policy: d.Policy, Expires: optTime(d.Expires), Reason: d.Reason}
	if ref.Name != "" {
		out.Ref, out.Change = ref.Name, ref.Kind.String()
	}
	return out
}

func viewPolicy(p auth.Policy) api.Policy {
	return api.Policy{
		ID: p.ID, Description: p.Description, Subjects: p.Subjects, Repos: p.Repos, Effect: string(p.Effect),
		Access: optLevel(p.Level), Approve: p.Approve, AutoMax: optDurationText(p.AutoMax), AutoAccess: optLevel(p.AutoLevel),
		Approvals: p.Approvals, Source: p.Source,
	}
}

func viewEvent(e audit.Event) api.Event {
	return api.Event{
		Seq: e.Seq, Time: e.Time, Actor: e.Actor, Remote: e.Remote, Transport: e.Transport, Action: e.Action, Repo: e.Repo,
		Target: e.Target, Result: e.Result, Grant: e.Grant, Policy: e.Policy, Request: e.Request, Detail: e.Detail, Prev: e.Prev, Hash: e.Hash,
		HashVersion: e.HashVersion,
	}
}

func viewAuditHead(h service.AuditHead) api.AuditHead {
	return api.AuditHead{Seq: h.Seq, Hash: h.Hash, From: h.From, Events: h.Events, Checkpoints: h.Checkpoints, LastCheckpoint: h.LastCheckpoint}
}

func viewCheckpoint(c audit.Checkpoint) api.Checkpoint {
	return api.Checkpoint{Seq: c.Seq, Hash: c.Hash, Time: c.Time, Key: c.Key, Signature: c.Signature}
}

// optTime is nil for the zero time, so the field is left out.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// optLevel is "" for no level, so the field is left out.
func optLevel(l auth.Level) string {
	if l == auth.LevelNone {
		return ""
	}
	return l.String()
}

// optDurationText is "" for no duration, so the field is left out.
func optDurationText(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return auth.FormatDuration(d)
}

// subjectOf turns the API's user/group fields into a principal.
func subjectOf(user, group string) (string, error) {
	switch {
	case user != "" && group == "":
		return auth.UserPrincipal(user), auth.ValidateUserName(user)
	case group != "" && user == "":
		return auth.GroupPrincipal(group), auth.ValidateUserName(group)
	}
	return "", fmt.Errorf("%w: name exactly one of user or group", auth.ErrInvalid)
}
