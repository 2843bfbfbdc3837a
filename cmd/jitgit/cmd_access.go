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
			Usage: "say whether a user may read, write or administer a repository now, or push to one ref, and why (exit 0 allowed, 1 denied)",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "user", Usage: "user `NAME` (anonymous for nobody)", Required: true},
				&cli.StringFlag{Name: "repo", Usage: "`OWNER/NAME`", Required: true},
				&cli.StringFlag{Name: "access", Usage: "read, write or admin", Required: true},
				&cli.StringFlag{Name: "ref", Usage: "check a push to this full ref `NAME` (refs/heads/main), a fast-forward unless --force or --delete"},
				&cli.BoolFlag{Name: "force", Usage: "with --ref: a force-push (non-fast-forward update)"},
				&cli.BoolFlag{Name: "delete", Usage: "with --ref: deleting the ref"},
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
	change, err := refChange(c)
	if err != nil {
		return cli.Exit("jitgit: "+err.Error(), 2)
	}
	if c.String("ref") != "" {
		q.Set("ref", c.String("ref"))
		q.Set("change", change)
	}
	d, err := ask(c, api.CheckAccess, q, api.None{})
	if err != nil {
		return cli.Exit("jitgit: "+err.Error(), 2)
	}
	err = emit(c, d, func(d api.Decision) error {
		verdict := "denied"
		if d.Allowed {
			verdict = "allowed"
		}
		if d.Ref != "" {
			verdict += " (" + d.Change + " " + d.Ref + ")"
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

// refChange is the kind of ref update --force and --delete ask about:
// update (a fast-forward) when neither is given.
func refChange(c *cli.Context) (string, error) {
	switch {
	case c.Bool("force") && c.Bool("delete"):
		return "", fmt.Errorf("--force and --delete: check one kind of update at a time")
	case (c.Bool("force") || c.Bool("delete")) && c.String("ref") == "":
		return "", fmt.Errorf("--force and --delete need --ref: name the ref they are for")
	case c.Bool("force"):
		return "force", nil
	case c.Bool("delete"):
		return "delete", nil
	}
	return "update", nil
}
