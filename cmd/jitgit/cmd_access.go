package main

import (
	"fmt"
	"net/url"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func accessCommand() *cli.Command {
	return &cli.Command{
		Name:  "access",
		Usage: "ask the server who may do what",
		Subcommands: []*cli.Command{{
			Name:  "check",
			Usage: "say whether a user may read, write or administer a repository now, and why (exit 0 allowed, 1 denied)",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "user", Usage: "user `NAME` (anonymous for nobody)", Required: true},
				&cli.StringFlag{Name: "repo", Usage: "`OWNER/NAME`", Required: true},
				&cli.StringFlag{Name: "access", Usage: "read, write or admin", Required: true},
				jsonFlag,
			},
			Action: accessCheck,
		}},
	}
}

func accessCheck(c *cli.Context) error {
	if _, err := auth.ParseLevel(c.String("access")); err != nil {
		return cli.Exit(fmt.Sprintf("jitgit: --access: %v", err), 2)
	}
	q := url.Values{"user": {c.String("user")}, "repo": {c.String("repo")}, "access": {c.String("access")}}
	d, err := ask(c, api.CheckAccess, q, api.None{})
	if err != nil {
		return cli.Exit("jitgit: "+err.Error(), 2)
	}
	err = emit(c, d, func(d api.Decision) error {
		verdict := "denied"
		if d.Allowed {
			verdict = "allowed"
		}
		_, err := fmt.Fprintf(c.App.Writer, "%s: %s\n", verdict, d.Reason)
		return err
	})
	if err != nil {
		return err
	}
	if !d.Allowed {
		return cli.Exit("", 1)
	}
	return nil
}
