package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

// grantFilterFlags select grants, for listing and for revoking.
func grantFilterFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "user", Usage: "grants of user `NAME` and of its groups"},
		&cli.StringFlag{Name: "group", Usage: "grants of group `NAME`"},
		&cli.StringFlag{Name: "repo", Usage: "grants covering `OWNER/NAME`; OWNER/* finds every grant under OWNER"},
		&cli.StringFlag{Name: "batch", Usage: "grants of bulk batch `ID`"},
	}
}

func grantListCommand() *cli.Command {
	return &cli.Command{
		Name: "list", Usage: "list running grants (with --all, ended ones too)",
		Description: `Example:
   jitgit grant list --repo acme/* --expiring-within 1d
   jitgit grant list --batch b_... --csv > batch.csv   # the bulk format: edit, then grant bulk`,
		Flags: append(grantFilterFlags(),
			&cli.StringFlag{Name: "expiring-within", Usage: "only running grants that end within `DURATION`"},
			&cli.BoolFlag{Name: "all", Usage: "include expired, revoked and relinquished grants"},
			&cli.BoolFlag{Name: "csv", Usage: "print CSV in the format grant bulk reads"},
			jsonFlag,
			pageSizeFlag,
		),
		Action: grantList,
	}
}

func grantQuery(c *cli.Context) url.Values {
	q := url.Values{}
	for _, k := range []string{"user", "group", "repo", "batch"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func grantList(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	q := grantQuery(c)
	if v := c.String("expiring-within"); v != "" {
		if _, err := auth.ParseDuration(v, 0); err != nil {
			return fmt.Errorf("--expiring-within: %w", err)
		}
		q.Set("expiring_within", v)
	}
	if c.Bool("all") {
		q.Set("all", "1")
	}
	return grantListPaged(c, q, []string{"ID", "SUBJECT", "REPO", "ACCESS", "REFS", "ENDS", "LEFT", "REASON"}, func(g api.Grant) []string {
		left := g.Remaining
		switch {
		case g.Ended != nil:
			left = "ended"
		case !g.Active && time.Now().Before(g.Starts):
			left = "not yet"
		case !g.Active:
			left = "expired"
		}
		return []string{g.ID, g.Subject, g.Repo, g.Access, refsCell(g.Ref, g.Allow), g.Ends.Local().Format(time.DateTime), left, dash(oneLine(g.Reason, 40))}
	})
}

// grantCSVHeader is the first line of a bulk file.
var grantCSVHeader = []string{"subject", "repo", "access", "for", "reason"}

// grantCSVLine is g as a line of a bulk file: what is left of a running
// grant, rounded up to the minute, so that feeding it back to grant bulk
// makes every line unchanged. A ref-scoped grant has no line (nil).
func grantCSVLine(g api.Grant) []string {
	if g.Ref != "" {
		return nil
	}
	left := time.Until(g.Ends).Round(time.Minute)
	if left < time.Minute {
		left = time.Minute
	}
	return []string{g.Subject, g.Repo, g.Access, auth.FormatDuration(left), g.Reason}
}

func grantRevokeCommand() *cli.Command {
	return &cli.Command{
		Name: "revoke", Usage: "end grants now: by id, or every running grant a filter selects",
		ArgsUsage: "[ID...]",
		Description: `With a filter it prints what it will revoke and asks, unless --yes.

Example:
   jitgit grant revoke g_...
   jitgit grant revoke --batch b_... --yes
   jitgit grant revoke --user alice --repo acme/*`,
		Flags: append(grantFilterFlags(),
			&cli.StringFlag{Name: "reason", Usage: "why, for the audit trail"},
			&cli.BoolFlag{Name: "yes", Usage: "do not ask before revoking by filter"},
			jsonFlag,
		),
		Action: grantRevoke,
	}
}

func grantRevoke(c *cli.Context) error {
	q := grantQuery(c)
	if len(q) == 0 {
		if err := args(c, 1, -1); err != nil {
			return err
		}
		client, err := newClient(c)
		if err != nil {
			return err
		}
		var failed []error
		for _, id := range c.Args().Slice() {
			if _, err := do(c.Context, client, api.RevokeGrant, nil, api.GrantEnd{Reason: c.String("reason")}, id); err != nil {
				failed = append(failed, fmt.Errorf("grant %s: %w", id, err))
			}
		}
		return errors.Join(failed...)
	}
	if c.Args().Len() > 0 {
		return errors.New("give grant ids or a filter (--user, --group, --repo, --batch), not both")
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	if !c.Bool("yes") {
		gs, err := do(c.Context, client, api.ListGrants, q, api.None{})
		if err != nil {
			return err
		}
		if len(gs) == 0 {
			fmt.Fprintln(c.App.ErrWriter, "no running grant matches; nothing to revoke")
			return nil
		}
		rows := [][]string{{"ID", "SUBJECT", "REPO", "ACCESS", "LEFT"}}
		for _, g := range gs {
			rows = append(rows, []string{g.ID, g.Subject, g.Repo, g.Access, g.Remaining})
		}
		if err := table(c.App.ErrWriter, rows); err != nil {
			return err
		}
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return fmt.Errorf("%d grants would be revoked; run again with --yes to revoke them", len(gs))
		}
		fmt.Fprintf(c.App.ErrWriter, "Revoke these %d grants? [y/N] ", len(gs))
		answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errors.New("nothing revoked")
		}
	}
	in := api.GrantSelection{User: c.String("user"), Group: c.String("group"), Repo: c.String("repo"), Batch: c.String("batch"), Reason: c.String("reason")}
	out, err := do(c.Context, client, api.RevokeGrants, nil, in)
	if err != nil {
		return err
	}
	return emit(c, out, func(out api.GrantsRevoked) error {
		_, err := fmt.Fprintf(c.App.Writer, "revoked %d grants\n", out.Revoked)
		return err
	})
}

func grantRelinquishCommand() *cli.Command {
	return &cli.Command{
		Name: "relinquish", Usage: "end your own grant early (\"I'm done\")", ArgsUsage: "ID",
		Description: `Needs --server URL --token TOKEN of the grant's user.

Example:
   jitgit --server https://git.example.com --token jg_... grant relinquish g_...`,
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			_, err := ask(c, api.RelinquishGrant, nil, api.None{}, c.Args().First())
			return err
		},
	}
}
