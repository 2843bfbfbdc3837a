package main

import (
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

// userSetCommand changes a user's flags: only those given change.
func userSetCommand() *cli.Command {
	return &cli.Command{
		Name:      "set",
		Usage:     "change a user's flags (--admin, --approver, --auditor; =false takes one away)",
		ArgsUsage: "NAME",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "admin", Usage: "may manage users, repositories and grants"},
			&cli.BoolFlag{Name: "approver", Usage: "may approve requests for any repository"},
			&cli.BoolFlag{Name: "auditor", Usage: "reads the audit trail and reports; no Git access, no changes"},
		},
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			var ch api.UserChange
			for _, f := range []struct {
				name string
				dst  **bool
			}{{"admin", &ch.Admin}, {"approver", &ch.Approver}, {"auditor", &ch.Auditor}} {
				if c.IsSet(f.name) {
					*f.dst = new(c.Bool(f.name))
				}
			}
			if ch.Admin == nil && ch.Approver == nil && ch.Auditor == nil {
				return errors.New("user set: give --admin, --approver or --auditor (=true or =false)")
			}
			_, err := ask(c, api.UpdateUser, nil, ch, c.Args().First())
			return err
		},
	}
}
