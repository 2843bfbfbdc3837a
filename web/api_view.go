package web

import (
	"fmt"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// The API's JSON shapes. They are views, not the stored records: no
// password hashes, durations as "2h" strings, and what a script wants to
// know (is it active, how long is left) computed at read time.

type userView struct {
	Name     string    `json:"name"`
	Groups   []string  `json:"groups"`
	Admin    bool      `json:"admin"`
	Approver bool      `json:"approver"`
	Disabled bool      `json:"disabled,omitempty"`
	Created  time.Time `json:"created"`
}

func viewUser(u auth.User) userView {
	g := u.Groups
	if g == nil {
		g = []string{}
	}
	return userView{Name: u.Name, Groups: g, Admin: u.Admin, Approver: u.Approver, Disabled: u.Disabled, Created: u.Created}
}

type grantView struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject"`
	Repo      string     `json:"repo"`
	Access    auth.Level `json:"access"`
	Starts    time.Time  `json:"starts"`
	Expires   time.Time  `json:"expires"`
	Ends      time.Time  `json:"ends"`
	Active    bool       `json:"active"`
	Remaining string     `json:"remaining"`
	Reason    string     `json:"reason"`
	Origin    string     `json:"origin"`
	Request   string     `json:"request,omitempty"`
	CreatedBy string     `json:"created_by"`
	Ended     *time.Time `json:"ended,omitempty"`
	EndedBy   string     `json:"ended_by,omitempty"`
}

func viewGrant(g auth.Grant, now time.Time) grantView {
	v := grantView{
		ID: g.ID, Subject: g.Subject, Repo: g.Repo, Access: g.Level, Starts: g.Starts, Expires: g.Expires, Ends: g.End(),
		Active: g.ActiveAt(now), Reason: g.Reason, Origin: string(g.Origin), Request: g.Request, CreatedBy: g.CreatedBy,
		EndedBy: g.EndedBy,
	}
	if v.Active {
		v.Remaining = auth.FormatDuration(g.End().Sub(now))
	}
	if !g.Ended.IsZero() {
		e := g.Ended
		v.Ended = &e
	}
	return v
}

type reviewView struct {
	By       string    `json:"by"`
	Approved bool      `json:"approved"`
	Duration string    `json:"duration,omitempty"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

type requestView struct {
	ID        string       `json:"id"`
	Requester string       `json:"requester"`
	Repo      string       `json:"repo"`
	Access    auth.Level   `json:"access"`
	Duration  string       `json:"duration"`
	Reason    string       `json:"reason"`
	Ticket    string       `json:"ticket,omitempty"`
	Status    string       `json:"status"`
	Created   time.Time    `json:"created"`
	Expires   time.Time    `json:"expires"`
	Needed    int          `json:"approvals_needed"`
	Approvals int          `json:"approvals"`
	Reviews   []reviewView `json:"reviews"`
	Decided   *time.Time   `json:"decided,omitempty"`
	DenyNote  string       `json:"deny_reason,omitempty"`
	Grant     string       `json:"grant,omitempty"`
	Extends   string       `json:"extends,omitempty"`
	AutoRule  string       `json:"auto_rule,omitempty"`
}

func viewRequest(r auth.Request) requestView {
	v := requestView{
		ID: r.ID, Requester: r.Requester, Repo: r.Repo, Access: r.Level, Duration: auth.FormatDuration(r.Duration),
		Reason: r.Reason, Ticket: r.Ticket, Status: string(r.Status), Created: r.Created, Expires: r.Expires,
		Needed: r.Needed, DenyNote: r.DenyNote, Grant: r.Grant, Extends: r.Extends, AutoRule: r.AutoRule,
		Reviews: []reviewView{},
	}
	for _, rv := range r.Reviews {
		d := ""
		if rv.Duration > 0 {
			d = auth.FormatDuration(rv.Duration)
		}
		v.Reviews = append(v.Reviews, reviewView{By: rv.By, Approved: rv.Approved, Duration: d, Comment: rv.Comment, At: rv.At})
		if rv.Approved {
			v.Approvals++
		}
	}
	if !r.Decided.IsZero() {
		d := r.Decided
		v.Decided = &d
	}
	return v
}

type decisionView struct {
	Allowed bool       `json:"allowed"`
	User    string     `json:"user"`
	Repo    string     `json:"repo"`
	Access  auth.Level `json:"access"`
	Grant   string     `json:"grant,omitempty"`
	Policy  string     `json:"policy,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	Reason  string     `json:"reason"`
}

func viewDecision(d auth.Decision, user, repo string) decisionView {
	v := decisionView{Allowed: d.Allowed, User: user, Repo: repo, Access: d.Level, Grant: d.Grant, Policy: d.Policy, Reason: d.Reason}
	if !d.Expires.IsZero() {
		e := d.Expires
		v.Expires = &e
	}
	return v
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
