package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

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

// grantJSON is a grant as the API shows it.
type grantJSON struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject"`
	Repo      string     `json:"repo"`
	Access    string     `json:"access"`
	Starts    time.Time  `json:"starts"`
	Ends      time.Time  `json:"ends"`
	Active    bool       `json:"active"`
	Remaining string     `json:"remaining"`
	Reason    string     `json:"reason"`
	Origin    string     `json:"origin"`
	CreatedBy string     `json:"created_by"`
	Ended     *time.Time `json:"ended"`
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
	api, err := newClient(c)
	if err != nil {
		return err
	}
	in := map[string]string{
		"user": c.String("user"), "group": c.String("group"), "repo": c.String("repo"),
		"access": c.String("access"), "duration": c.String("for"), "reason": c.String("reason"),
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "POST", "/api/v1/grants", nil, in, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var g grantJSON
	if err := json.Unmarshal(raw, &g); err != nil {
		return err
	}
	_, err = fmt.Fprintln(c.App.Writer, g.ID)
	return err
}

func grantList(c *cli.Context) error {
	api, err := newClient(c)
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range []string{"user", "repo"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	if c.Bool("all") {
		q.Set("all", "1")
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "GET", "/api/v1/grants", q, nil, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var gs []grantJSON
	if err := json.Unmarshal(raw, &gs); err != nil {
		return err
	}
	rows := [][]string{{"ID", "SUBJECT", "REPO", "ACCESS", "ENDS", "LEFT", "REASON"}}
	for _, g := range gs {
		left := g.Remaining
		switch {
		case g.Ended != nil:
			left = "ended"
		case !g.Active && time.Now().Before(g.Starts):
			left = "not yet"
		case !g.Active:
			left = "expired"
		}
		rows = append(rows, []string{g.ID, g.Subject, g.Repo, g.Access, g.Ends.Local().Format(time.DateTime), left, dash(oneLine(g.Reason, 40))})
	}
	return table(c.App.Writer, rows)
}

func grantRevoke(c *cli.Context) error {
	if err := args(c, 1, -1); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var failed []error
	for _, id := range c.Args().Slice() {
		if err := api.call(c.Context, "POST", "/api/v1/grants/"+url.PathEscape(id)+"/revoke", nil, map[string]string{"reason": c.String("reason")}, nil); err != nil {
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
	var in []map[string]string
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
		g := map[string]string{"repo": row[1], "access": row[2], "duration": row[3]}
		kind, name, _ := strings.Cut(row[0], ":")
		switch kind {
		case "user", "group":
			g[kind] = name
		default:
			return fmt.Errorf("bulk file line %d: subject %q: use user:NAME or group:NAME", i+1, row[0])
		}
		if len(row) == 5 {
			g["reason"] = row[4]
		}
		in = append(in, g)
	}
	if len(in) == 0 {
		return errors.New("bulk file: no grants in it")
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "POST", "/api/v1/grants/bulk", nil, map[string]any{"grants": in}, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var gs []grantJSON
	if err := json.Unmarshal(raw, &gs); err != nil {
		return err
	}
	for _, g := range gs {
		fmt.Fprintln(c.App.Writer, g.ID)
	}
	return nil
}
