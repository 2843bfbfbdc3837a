package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

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
					jsonFlag,
				},
				Action: grantAdd,
			},
			{
				Name: "list", Usage: "list active grants (with --all, ended ones too)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "user", Usage: "grants of user `NAME` and of its groups"},
					&cli.StringFlag{Name: "repo", Usage: "grants covering `OWNER/NAME`"},
					&cli.BoolFlag{Name: "all", Usage: "include expired, revoked and relinquished grants"},
					jsonFlag,
				},
				Action: grantList,
			},
			{
				Name:      "bulk",
				Usage:     "make many grants from a CSV file (subject,repo,access,for,reason); all or none",
				ArgsUsage: "FILE|-",
				Flags:     []cli.Flag{jsonFlag},
				Action:    grantBulk,
			},
			{
				Name: "revoke", Usage: "end grants now", ArgsUsage: "ID...",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "reason", Usage: "why, for the audit trail"}},
				Action: grantRevoke,
			},
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

func grantList(c *cli.Context) error {
	q := url.Values{}
	for _, k := range []string{"user", "repo"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	if c.Bool("all") {
		q.Set("all", "1")
	}
	return list(c, api.ListGrants, q, []string{"ID", "SUBJECT", "REPO", "ACCESS", "REFS", "ENDS", "LEFT", "REASON"}, func(g api.Grant) []string {
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

func grantRevoke(c *cli.Context) error {
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

// grantBulk reads CSV rows "subject,repo,access,for,reason" (a header row
// starting with "subject" is skipped; subject is user:NAME or group:NAME)
// and makes all the grants, or none when any row is wrong.
func grantBulk(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	if f := c.Args().First(); f != "-" {
		fh, err := os.Open(f)
		if err != nil {
			return err
		}
		defer fh.Close()
		r = fh
	}
	rd := csv.NewReader(io.LimitReader(r, 16<<20))
	rd.FieldsPerRecord = -1
	rd.Comment = '#'
	rows, err := rd.ReadAll()
	if err != nil {
		return fmt.Errorf("bulk file: %w", err)
	}
	var in api.NewGrants
	for i, row := range rows {
		if i == 0 && len(row) > 0 && strings.EqualFold(strings.TrimSpace(row[0]), "subject") {
			continue
		}
		if len(row) < 4 || len(row) > 5 {
			return fmt.Errorf("bulk file line %d: want subject,repo,access,for[,reason], got %d fields", i+1, len(row))
		}
		for j := range row {
			row[j] = strings.TrimSpace(row[j])
		}
		g := api.NewGrant{Repo: row[1], Access: row[2], Duration: row[3]}
		kind, name, _ := strings.Cut(row[0], ":")
		switch kind {
		case "user":
			g.User = name
		case "group":
			g.Group = name
		default:
			return fmt.Errorf("bulk file line %d: subject %q: use user:NAME or group:NAME", i+1, row[0])
		}
		if len(row) == 5 {
			g.Reason = row[4]
		}
		in.Grants = append(in.Grants, g)
	}
	if len(in.Grants) == 0 {
		return errors.New("bulk file: no grants in it")
	}
	gs, err := ask(c, api.CreateGrants, nil, in)
	if err != nil {
		return err
	}
	return emit(c, gs, func(gs []api.Grant) error {
		for _, g := range gs {
			fmt.Fprintln(c.App.Writer, g.ID)
		}
		return nil
	})
}
