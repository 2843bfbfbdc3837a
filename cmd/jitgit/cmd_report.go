package main

import (
	"encoding/csv"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "answer an auditor's questions",
		Subcommands: []*cli.Command{{
			Name: "access",
			Usage: "every interval in which someone could read or write a repository (--repo), or everything one user could reach (--user): " +
				"from which grant or policy, why, who approved, and how it ended",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "repo", Usage: "the repository `OWNER/NAME`"},
				&cli.StringFlag{Name: "user", Usage: "the user `NAME`"},
				&cli.StringFlag{Name: "since", Usage: "from a `TIME` (2026-03-01, RFC 3339) or DURATION back (30d)"},
				&cli.StringFlag{Name: "until", Usage: "up to a `TIME` or DURATION back"},
				&cli.BoolFlag{Name: "csv", Usage: "print CSV (RFC 4180) with a header row"},
				jsonFlag,
			},
			Action: reportAccess,
		}},
	}
}

func reportAccess(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	if (c.String("repo") == "") == (c.String("user") == "") {
		return errors.New("report access: give --repo OWNER/NAME or --user NAME")
	}
	if c.Bool("csv") && c.Bool("json") {
		return errors.New("report access: --csv or --json, not both")
	}
	q := url.Values{}
	for _, k := range []string{"repo", "user", "since", "until"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	ivs, err := ask(c, api.AccessReport, q, api.None{})
	if err != nil {
		return err
	}
	header := []string{"SUBJECT", "REPO", "ACCESS", "FROM", "TO", "VIA", "GROUP", "REASON", "TICKET", "APPROVED", "DENIED", "ENDED"}
	row := func(iv api.AccessInterval, when func(time.Time) string) []string {
		to := ""
		if iv.To != nil {
			to = when(*iv.To)
		}
		via := iv.Grant
		if iv.Policy != "" {
			via = "policy:" + iv.Policy
		}
		from := when(iv.From)
		if iv.FromBeforeTrail {
			from = "before " + from
		}
		return []string{iv.Subject, iv.Repo, iv.Access, from, to, via, iv.Group, iv.Reason, iv.Ticket,
			strings.Join(iv.Approved, "; "), strings.Join(iv.Denied, "; "), iv.Ended}
	}
	switch {
	case c.Bool("json"):
		return printJSON(c.App.Writer, ivs)
	case c.Bool("csv"):
		w := csv.NewWriter(c.App.Writer)
		rfc := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
		if err := w.Write(header); err != nil {
			return err
		}
		for _, iv := range ivs {
			if err := w.Write(row(iv, rfc)); err != nil {
				return err
			}
		}
		w.Flush()
		return w.Error()
	}
	local := func(t time.Time) string { return t.Local().Format(time.DateTime) }
	rows := [][]string{header}
	for _, iv := range ivs {
		r := row(iv, local)
		for i, v := range r {
			r[i] = dash(oneLine(v, 60))
		}
		if iv.To == nil {
			r[4] = "(running)"
		}
		rows = append(rows, r)
	}
	return table(c.App.Writer, rows)
}
