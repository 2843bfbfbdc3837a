package main

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
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
				Description: `On the admin socket every request shows; approving one there needs a name.

Example:
   jitgit request list --status pending --repo acme/web
   jitgit --as admin request approve r_...`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "status", Usage: "pending, approved, denied, cancelled or expired"},
					&cli.StringFlag{Name: "user", Usage: "only requests of `NAME`"},
					&cli.StringFlag{Name: "repo", Usage: "only requests for `OWNER/NAME`"},
					jsonFlag, requestPageSizeFlag,
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
			{
				Name: "cancel", Usage: "withdraw a pending request (your own, or any as an administrator)", ArgsUsage: "ID",
				Description: "Example:\n   jitgit --as admin request cancel r_...",
				Action: func(c *cli.Context) error {
					if err := args(c, 1, 1); err != nil {
						return err
					}
					_, err := ask(c, api.CancelRequest, nil, api.None{}, c.Args().First())
					return err
				},
			},
		},
	}
}

func requestCreate(c *cli.Context) error {
	if _, err := auth.ParseLevel(c.String("access")); err != nil {
		return fmt.Errorf("--access: %w", err)
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	in := api.NewRequest{Repo: c.String("repo"), Access: c.String("access"), Duration: c.String("for"), Reason: c.String("reason"), Ticket: c.String("ticket"), Extends: c.String("extends")}
	r, err := do(c.Context, client, api.CreateRequest, nil, in)
	if err != nil {
		return err
	}
	if c.Bool("wait") {
		return waitForDecision(c, client, r)
	}
	return emit(c, r, func(r api.Request) error {
		_, err := fmt.Fprintf(c.App.Writer, "%s %s\n", r.ID, r.Status)
		return err
	})
}

// waitForDecision polls the request until someone (or a rule, or time)
// decides it, for a CI job that needs access before its next step.
func waitForDecision(c *cli.Context, client *apiClient, r api.Request) error {
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
		got, err := do(ctx, client, api.GetRequest, nil, api.None{}, r.ID)
		if err != nil {
			if ctx.Err() != nil {
				continue
			}
			return err
		}
		r = got
	}
	if r.Status != "approved" {
		why := ""
		if r.DenyReason != "" {
			why = ": " + r.DenyReason
		}
		return cli.Exit(fmt.Sprintf("jitgit: request %s was %s%s", r.ID, r.Status, why), 1)
	}
	_, err := fmt.Fprintln(c.App.Writer, r.Grant)
	return err
}

// requestPageSizeFlag is how many requests the CLI asks the server for at
// a time.
var requestPageSizeFlag = &cli.IntFlag{Name: "page-size", Value: api.DefaultRequestPage, Usage: "ask the server for `N` requests at a time (1 to 5000)"}

// requestList prints the requests the flags select in id order, a page at
// a time as the server answers them.
func requestList(c *cli.Context) error {
	q := url.Values{}
	for _, k := range []string{"status", "user", "repo"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	walk := func(fn func([]api.Request) error) error {
		return walkPages(c, api.ListRequestPage, q, 5000, func(p api.RequestPage) ([]api.Request, string) { return p.Requests, p.Next }, fn)
	}
	return listPaged(c, walk, []string{"ID", "REQUESTER", "REPO", "ACCESS", "FOR", "STATUS", "APPROVALS", "ASKED", "REASON"}, func(r api.Request) []string {
		return []string{r.ID, r.Requester, r.Repo, r.Access, r.Duration, r.Status,
			fmt.Sprintf("%d/%d", r.Approvals, r.ApprovalsNeeded), r.Created.Local().Format(time.DateTime), oneLine(r.Reason, 40)}
	})
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
	_, err := ask(c, api.ApproveRequest, nil, api.Approval{Duration: c.String("for"), Comment: c.String("comment")}, c.Args().First())
	return err
}

func requestDeny(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	_, err := ask(c, api.DenyRequest, nil, api.Denial{Reason: c.String("reason")}, c.Args().First())
	return err
}
