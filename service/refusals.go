package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
)

// Refusal is a refused credential or command, for the audit trail.
type Refusal struct {
	// Action names what was refused, e.g. "auth.http", "auth.api",
	// "ssh.command".
	Action    string
	Transport string // "http", "api", "ssh"
	Remote    string // the client's address
	// User is the user name the client typed, if any. It is recorded only
	// as NameOnRecord allows.
	User string
	// Who acted, when the refusal came after authentication (a refused SSH
	// command of a known key); zero for a failed authentication.
	Who auth.Identity
	// Repo is the canonical repository asked for, if known.
	Repo string
	// What is the path or command asked for; it is recorded escaped and
	// cut to 200 bytes.
	What string
	// Reason says why, in the server's words.
	Reason string
}

// RecordRefusal puts a refusal on the record as a deny. Identical refusals
// from one address are folded into one event with a count per window, so a
// flood of failed sign-ins cannot fill the disk (see audit.Folder).
func (s *Service) RecordRefusal(ctx context.Context, r Refusal) error {
	ev := audit.Event{Actor: "anonymous", Remote: r.Remote, Transport: r.Transport, Action: r.Action, Repo: r.Repo, Result: "deny", Detail: r.Reason}
	if !r.Who.Anonymous() {
		ev.Actor = r.Who.Name()
	}
	if r.User != "" {
		ev.Target = s.NameOnRecord(ctx, r.User)
	}
	if r.What != "" {
		what := r.What
		if len(what) > 200 {
			what = what[:200]
		}
		what = audit.Escape(what)
		if ev.Detail != "" {
			ev.Detail = what + ": " + ev.Detail
		} else {
			ev.Detail = what
		}
	}
	return s.refusals.Record(ctx, ev)
}

// RunRefusals records the counts of folded refusals at the end of each
// window, until ctx ends.
func (s *Service) RunRefusals(ctx context.Context) { s.refusals.Run(ctx) }

// NameOnRecord is what the log and the audit trail may show of a user name
// a client typed: the name itself when it is a valid name of an existing
// user and not shaped like a token, else "name#" and a short keyed hash, so
// that repeated attempts can be told apart and a password or token typed in
// the name field never reaches the record.
func (s *Service) NameOnRecord(ctx context.Context, typed string) string {
	if auth.ValidateUserName(typed) == nil && !tokenShaped(typed) {
		if _, err := s.user(ctx, typed); err == nil {
			return typed
		}
	}
	m := hmac.New(sha256.New, s.nameKey)
	m.Write([]byte(typed))
	return "name#" + hex.EncodeToString(m.Sum(nil)[:4])
}

// tokenShaped reports whether a string looks like a credential: a jg_
// token, or a long run of letters and digits mixed.
func tokenShaped(s string) bool {
	if strings.HasPrefix(strings.ToLower(s), secret.TokenPrefix) {
		return true
	}
	if len(s) < 20 {
		return false
	}
	var letters, digits bool
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = true
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters = true
		}
	}
	return letters && digits
}
