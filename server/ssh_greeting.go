package server

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// greet answers a session without a command (`ssh git@host`): who the
// client is, their active grants with the time left, their pending
// requests, and the clone URLs. It returns the exit status, 0.
func (s *SSH) greet(ctx context.Context, sc *ssh.ServerConn, w io.Writer) uint32 {
	who := s.identity(ctx, sc)
	s.log.Info("ssh: greeting", "user", who.Name(), "remote", who.Remote)
	writeGreeting(ctx, w, s.a, who, sc.Permissions.Extensions[extFingerprint], s.cfg.PublicURL, s.cfg.SSHURL, s.cfg.Now(), s.cfg.ExpiringSoon)
	return 0
}

// writeGreeting writes the greeting of who, signed in with the key
// fingerprint fp (empty: anonymous), at now; a grant that ends within
// lead is marked as ending soon.
func writeGreeting(ctx context.Context, w io.Writer, a SSHAuthority, who auth.Identity, fp, publicURL, sshURL string, now time.Time, lead time.Duration) {
	publicURL = strings.TrimRight(publicURL, "/")
	sshURL = strings.TrimRight(sshURL, "/")
	var b strings.Builder
	defer func() { io.WriteString(w, b.String()) }()
	if who.Anonymous() {
		b.WriteString("Hi! You are not signed in: this server knows none of the SSH keys you offered.\n")
		fmt.Fprintf(&b, "Add your public key (~/.ssh/id_ed25519.pub) at %s, then connect again\n", settingsURL(publicURL))
		b.WriteString("(administrators: jitgit user key add NAME FILE).\n")
		b.WriteString("jitgit serves Git only: there is no shell here.\n")
		if publicURL != "" {
			fmt.Fprintf(&b, "Ask for access: %s/requests/new\n", publicURL)
		}
		return
	}
	fmt.Fprintf(&b, "Hi %s! You are signed in to jitgit with the SSH key %s", who.User, fp)
	if len(who.Groups) > 0 {
		fmt.Fprintf(&b, " (groups: %s)", strings.Join(who.Groups, ", "))
	}
	b.WriteString(".\njitgit serves Git only: there is no shell here.\n")

	grants, err := a.ListGrants(ctx, who, service.GrantFilter{User: who.User})
	if err != nil {
		b.WriteString("\nYour grants could not be listed right now.\n")
	}
	var repos []string
	if len(grants) > 0 {
		b.WriteString("\nActive grants:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, g := range grants {
			when := "ends in " + auth.FormatDuration(g.End().Sub(now))
			if lead > 0 && !g.End().After(now.Add(lead)) {
				when += " (ending soon: extend at " + publicURL + "/requests/new?repo=" + g.Repo + "&access=" + g.Level.String() + ")"
			}
			if g.Starts.After(now) {
				when = "starts in " + auth.FormatDuration(g.Starts.Sub(now))
			}
			level := g.Level.String()
			if g.Ref != "" {
				level += " " + g.Ref
				if g.Allow != 0 {
					level += " +" + g.Allow.String()
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s", g.Repo, level, when, g.ID)
			if g.Subject != auth.UserPrincipal(who.User) {
				fmt.Fprintf(tw, "\tvia %s", g.Subject)
			}
			fmt.Fprintln(tw)
			if !slices.Contains(repos, g.Repo) {
				repos = append(repos, g.Repo)
			}
		}
		tw.Flush()
	} else if err == nil {
		b.WriteString("\nYou have no active grant.\n")
	}

	reqs, err := a.ListRequests(ctx, who, service.RequestFilter{Status: auth.StatusPending, Mine: true})
	if err == nil && len(reqs) > 0 {
		b.WriteString("\nPending requests:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, r := range reqs {
			fmt.Fprintf(tw, "  %s\t%s\tfor %s\t%s\tasked %s ago\n", r.Repo, r.Level, auth.FormatDuration(r.Duration), r.ID,
				auth.FormatDuration(now.Sub(r.Created)))
		}
		tw.Flush()
	}

	if len(repos) > 0 {
		b.WriteString("\nClone:\n")
		for _, repo := range repos {
			path := repo + ".git"
			switch owner, ok := strings.CutSuffix(repo, "/*"); {
			case repo == "*":
				path = "OWNER/NAME.git"
			case ok:
				path = owner + "/NAME.git"
			}
			if sshURL != "" {
				fmt.Fprintf(&b, "  git clone %s/%s\n", sshURL, path)
			}
			if publicURL != "" {
				fmt.Fprintf(&b, "  git clone %s/%s\n", publicURL, path)
			}
		}
	}
	if publicURL != "" {
		fmt.Fprintf(&b, "\nAsk for access: %s/requests/new\n", publicURL)
	}
}
