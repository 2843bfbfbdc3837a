package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/server"
)

// hookCommand is what git's pre-receive hook runs: one round trip to the
// running server, which checks the push again as its refs are applied.
func hookCommand() *cli.Command {
	return &cli.Command{
		Name:   "hook",
		Hidden: true,
		Usage:  "git hook entry points (run by git, not by people)",
		Subcommands: []*cli.Command{{
			Name: "pre-receive",
			Action: func(c *cli.Context) error {
				if code := server.RunPreReceiveHook(os.Getenv, os.Stdin, os.Stderr); code != 0 {
					return cli.Exit("", code)
				}
				return nil
			},
		}},
	}
}
