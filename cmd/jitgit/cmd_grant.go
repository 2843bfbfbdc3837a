package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func grantCommand() *cli.Command {
	return &cli.Command{
		Name:  "grant",
		Usage: "make, list and revoke time-bounded grants",
		Subcommands: []*cli.Command{
			{
				Name: "add", Usage: "grant a user or group access to a repository for a while",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "user", Usage: "the user `NAME`"},
					&cli.StringFlag{Name: "group", Usage: "the group `NAME`"},
					&cli.StringFlag{Name: "repo", Usage: "`OWNER/NAME` or OWNER/*", Required: true},
					&cli.StringFlag{Name: "access", Usage: "read, write or admin", Required: true},
					&cli.StringFlag{Name: "ref", Usage: "only the refs matching `PATTERN` (refs/heads/hotfix/*); names them, which lifts their protection rules"},
					&cli.StringFlag{Name: "allow", Usage: "with --ref: what a protection rule forbids that this grant allows: `force,delete`"},
					&cli.StringFlag{Name: "for", Usage: "how long: `DURATION` like 90m, 2h, 7d", Required: true},
					&cli.StringFlag{Name: "reason", Usage: "why, for the audit trail"},
					&cli.BoolFlag{Name: "break-glass", Usage: "emergency: grant yourself access that needs approval (needs --reason; every grant. webhook is told)"},
					jsonFlag,
				},
				Description: `Example:
   jitgit grant add --user alice --repo acme/web --access write --for 2h --reason INC-42
   jitgit --as admin grant add --user admin --repo acme/vault --access read --for 30m --break-glass --reason "outage"`,
				Action: grantAdd,
			},
			grantListCommand(),
			grantBulkCommand(),
			grantRevokeCommand(),
			grantRelinquishCommand(),
		},
	}
}

func grantAdd(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	if (c.String("user") == "") == (c.String("group") == "") {
		return errors.New("name exactly one of --user NAME or --group NAME")
	}
	if _, err := auth.ParseLevel(c.String("access")); err != nil {
		return fmt.Errorf("--access: %w", err)
	}
	if _, err := auth.ParseDuration(c.String("for"), 0); err != nil {
		return fmt.Errorf("--for: %w", err)
	}
	if ref := c.String("ref"); ref != "" {
		if err := auth.ValidateRefPattern(ref); err != nil {
			return fmt.Errorf("--ref: %w", err)
		}
	}
	if _, err := auth.ParseChanges(c.String("allow")); err != nil {
		return fmt.Errorf("--allow: %w", err)
	}
	in := api.NewGrant{
		User: c.String("user"), Group: c.String("group"), Repo: c.String("repo"),
		Access: c.String("access"), Ref: c.String("ref"), Allow: c.String("allow"), Duration: c.String("for"), Reason: c.String("reason"),
		BreakGlass: c.Bool("break-glass"),
	}
	g, err := ask(c, api.CreateGrant, nil, in)
	if err != nil {
		return err
	}
	return emit(c, g, func(g api.Grant) error {
		_, err := fmt.Fprintln(c.App.Writer, g.ID)
		return err
	})
}

// oneLine shortens free text for a table cell.
func oneLine(s string, n int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' || c == '\t' {
			r[i] = ' '
		}
	}
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return string(r)
}
