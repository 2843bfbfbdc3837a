package main

import (
	"context"
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
					&cli.BoolFlag{Name: "wait", Usage: "wait for the decision: exit 0 once approved (printing the grant id), 1 if denied, cancelled or expired"},
					&cli.DurationFlag{Name: "timeout", Usage: "with --wait, give up after `DURATION` (exit 1)", Value: time.Hour},
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
	DenyNote  string    `json:"deny_reason"`
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
	var r requestJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if c.Bool("wait") {
		return waitForDecision(c, api, r)
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	_, err = fmt.Fprintf(c.App.Writer, "%s %s\n", r.ID, r.Status)
	return err
}

// waitForDecision polls the request until someone (or a rule, or time)
// decides it, for a CI job that needs access before its next step.
func waitForDecision(c *cli.Context, api *apiClient, r requestJSON) error {
	fmt.Fprintf(c.App.ErrWriter, "jitgit: request %s is %s; waiting for a decision\n", r.ID, r.Status)
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	tick := time.NewTicker(decisionPoll)
	defer tick.Stop()
	for r.Status == "pending" {
		select {
		case <-ctx.Done():
			return cli.Exit(fmt.Sprintf("jitgit: request %s is still pending after %s", r.ID, c.Duration("timeout")), 1)
		case <-tick.C:
		}
		if err := api.call(ctx, "GET", "/api/v1/requests/"+url.PathEscape(r.ID), nil, nil, &r); err != nil {
			if ctx.Err() != nil {
				continue
			}
			return err
		}
	}
	if r.Status != "approved" {
		why := ""
		if r.DenyNote != "" {
			why = ": " + r.DenyNote
		}
		return cli.Exit(fmt.Sprintf("jitgit: request %s was %s%s", r.ID, r.Status, why), 1)
	}
	_, err := fmt.Fprintln(c.App.Writer, r.Grant)
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
