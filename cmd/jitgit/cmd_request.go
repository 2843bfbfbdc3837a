package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
)

func requestCommand() *cli.Command {
	return &cli.Command{
		Name:  "request",
		Usage: "ask for access, and approve or deny requests",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "ask for access (with --server and your own --token)",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "repo", Usage: "`OWNER/NAME`", Required: true},
					&cli.StringFlag{Name: "access", Usage: "read or write", Value: "read"},
					&cli.StringFlag{Name: "for", Usage: "how long: `DURATION`; default: the server's (1h)"},
					&cli.StringFlag{Name: "reason", Usage: "why you need it", Required: true},
					&cli.StringFlag{Name: "ticket", Usage: "a ticket reference"},
					&cli.StringFlag{Name: "extends", Usage: "extend your running grant `ID` (same repo and access) instead of asking anew"},
					jsonFlag,
				},
				Action: requestCreate,
			},
			{
				Name: "list", Usage: "list requests",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "status", Usage: "pending, approved, denied, cancelled or expired"},
					jsonFlag,
				},
				Action: requestList,
			},
			{
				Name: "approve", Usage: "approve a request", ArgsUsage: "ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "for", Usage: "a shorter `DURATION` than asked"},
					&cli.StringFlag{Name: "comment", Usage: "a note for the requester"},
				},
				Action: requestApprove,
			},
			{
				Name: "deny", Usage: "deny a request", ArgsUsage: "ID",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "reason", Usage: "why, shown to the requester", Required: true}},
				Action: requestDeny,
			},
		},
	}
}

type requestJSON struct {
	ID        string    `json:"id"`
	Requester string    `json:"requester"`
	Repo      string    `json:"repo"`
	Access    string    `json:"access"`
	Duration  string    `json:"duration"`
	Reason    string    `json:"reason"`
	Status    string    `json:"status"`
	Created   time.Time `json:"created"`
	Needed    int       `json:"approvals_needed"`
	Approvals int       `json:"approvals"`
	Grant     string    `json:"grant"`
}

func requestCreate(c *cli.Context) error {
	if _, err := auth.ParseLevel(c.String("access")); err != nil {
		return fmt.Errorf("--access: %w", err)
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	in := map[string]string{"repo": c.String("repo"), "access": c.String("access"), "duration": c.String("for"), "reason": c.String("reason"), "ticket": c.String("ticket"), "extends": c.String("extends")}
	var raw json.RawMessage
	if err := api.call(c.Context, "POST", "/api/v1/requests", nil, in, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var r requestJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.App.Writer, "%s %s\n", r.ID, r.Status)
	return err
}

func requestList(c *cli.Context) error {
	api, err := newClient(c)
	if err != nil {
		return err
	}
	q := url.Values{}
	if s := c.String("status"); s != "" {
		q.Set("status", s)
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "GET", "/api/v1/requests", q, nil, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var rs []requestJSON
	if err := json.Unmarshal(raw, &rs); err != nil {
		return err
	}
	rows := [][]string{{"ID", "REQUESTER", "REPO", "ACCESS", "FOR", "STATUS", "APPROVALS", "ASKED", "REASON"}}
	for _, r := range rs {
		rows = append(rows, []string{r.ID, r.Requester, r.Repo, r.Access, r.Duration, r.Status,
			fmt.Sprintf("%d/%d", r.Approvals, r.Needed), r.Created.Local().Format(time.DateTime), oneLine(r.Reason, 40)})
	}
	return table(c.App.Writer, rows)
}

func requestApprove(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	if d := c.String("for"); d != "" {
		if _, err := auth.ParseDuration(d, 0); err != nil {
			return fmt.Errorf("--for: %w", err)
		}
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	in := map[string]string{"duration": c.String("for"), "comment": c.String("comment")}
	return api.call(c.Context, "POST", "/api/v1/requests/"+url.PathEscape(c.Args().First())+"/approve", nil, in, nil)
}

func requestDeny(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	return api.call(c.Context, "POST", "/api/v1/requests/"+url.PathEscape(c.Args().First())+"/deny", nil, map[string]string{"reason": c.String("reason")}, nil)
}
