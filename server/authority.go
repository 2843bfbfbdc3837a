package server

import (
	"context"
	"net/url"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// Authority is what the Git transports need from the access domain.
type Authority interface {
	// Authenticate checks a user name and a password or jg_ token; the error wraps auth.ErrUnauthenticated.
	Authenticate(ctx context.Context, user, secret string) (auth.Identity, error)
	// Authorize decides (and audits) one access; who.Remote and who.Transport are set by the caller.
	Authorize(ctx context.Context, who auth.Identity, repo string, action auth.Action) auth.Decision
	// RecordRefusal puts a refused credential or command on the record
	// (folded with identical ones from the same address).
	RecordRefusal(ctx context.Context, r service.Refusal) error
}

// PushRechecker is what the push re-check needs: the Authority of every
// transport and a fresh look at the pusher's credential. Revalidate is part
// of the interface, not an optional upgrade found by a type assertion, so
// that an Authority wrapped on its way to the hook server cannot silently
// turn the credential check off.
type PushRechecker interface {
	Authority
	// Revalidate checks again that who may still sign in with the token or
	// key that proved it, and returns the identity as it is now (groups and
	// flags may have changed); the error wraps auth.ErrUnauthenticated.
	Revalidate(ctx context.Context, who auth.Identity) (auth.Identity, error)
}

var _ PushRechecker = (*service.Service)(nil)

// denyMessage is what a refused client is shown, on every transport: the
// decision's reason and where to ask for access. publicURL is the server's
// base URL without a trailing slash.
func denyMessage(d auth.Decision, publicURL, repo string, action auth.Action) string {
	reason := strings.TrimSpace(d.Reason)
	if reason == "" {
		reason = "access denied"
	}
	if d.Final {
		return reason + "\n"
	}
	// repo is canonical (a-z, 0-9, '-', '_', '.', '/'), so it needs no
	// escaping in the query.
	query := "repo=" + url.QueryEscape(repo) + "&access=" + action.Level.String()
	if action.Ref.Name != "" {
		query += "&ref=" + url.QueryEscape(action.Ref.Name)
	}
	query = strings.ReplaceAll(query, "%2F", "/")
	return reason + "\nAsk for access: " + strings.TrimRight(publicURL, "/") + "/requests/new?" + query + "\n"
}
