package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// Pending finds a user's own requests; the deny message names the one
// still pending for the repository, so nobody files a second.
type Pending interface {
	ListRequests(ctx context.Context, actor auth.Identity, f service.RequestFilter) ([]auth.Request, error)
}

var _ Pending = (*service.Service)(nil)

// pendingLookup bounds how long a refusal waits for the pending request
// it may mention: the refusal is sent without it after that.
const pendingLookup = 2 * time.Second

// denyLine is the deny message as one line: what is missing, where to ask
// for it, and the request already pending for it, if any. Clients that keep
// only one line of what the server said (go-git over SSH, the first line of
// an ERR packet) still show everything.
func denyLine(ctx context.Context, p Pending, who auth.Identity, d auth.Decision, publicURL, repo string, action auth.Action) string {
	msg := denyMessage(d, publicURL, repo, action)
	reason, link, _ := strings.Cut(strings.TrimSuffix(msg, "\n"), "\n")
	line := reason
	if link != "" {
		line = strings.TrimRight(reason, ".") + ". " + link
	}
	if pr := pendingRequest(ctx, p, who, repo, action.Level); pr != nil {
		line += ". You asked for " + pr.Level.String() + " access already: " +
			strings.TrimRight(publicURL, "/") + "/requests/" + pr.ID + " is pending"
	}
	return line + "\n"
}

// pendingRequest is who's newest pending request for repo at level or
// above, or nil (also when it cannot be found in time).
func pendingRequest(ctx context.Context, p Pending, who auth.Identity, repo string, level auth.Level) *auth.Request {
	if p == nil || who.Anonymous() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, pendingLookup)
	defer cancel()
	reqs, err := p.ListRequests(ctx, who, service.RequestFilter{Status: auth.StatusPending, Mine: true})
	if err != nil {
		return nil
	}
	for i := range reqs {
		if reqs[i].Repo == repo && reqs[i].Level >= level {
			return &reqs[i]
		}
	}
	return nil
}

// refuseInfoRefs answers a signed-in client refused at the ref
// advertisement with the deny text as an ERR packet in a 200: the one way
// every client (git, libgit2, JGit, go-git) prints the server's words
// instead of only a status code. Anonymous clients get 401 instead, so
// that they ask for credentials.
func refuseInfoRefs(w http.ResponseWriter, svc Service, line string) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/x-git-"+string(svc)+"-advertisement")
	noCache(hdr)
	w.WriteHeader(http.StatusOK)
	// After the "# service=" packet, as git http-backend begins every
	// advertisement: JGit reads nothing else first, and git and libgit2
	// take it for what it is.
	w.Write(append(pktLine("# service=git-"+string(svc)+"\n"), "0000"...))
	w.Write(pktLine("ERR " + line))
}

// keyHint tells a client whose SSH key the server does not know where to
// add it: the web settings page, which every user can reach, rather than
// an admin command.
func keyHint(publicURL string) string {
	return "The server does not know your SSH key: add its .pub file at " + settingsURL(publicURL) +
		" (administrators: jitgit user key add NAME FILE).\n"
}

func settingsURL(publicURL string) string {
	if publicURL == "" {
		return "the server's settings page (/settings)"
	}
	return strings.TrimRight(publicURL, "/") + "/settings"
}
