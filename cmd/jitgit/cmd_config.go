package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func configCommand() *cli.Command {
	return &cli.Command{
		Name:  "config",
		Usage: "the running server's config",
		Subcommands: []*cli.Command{{
			Name:  "reload",
			Usage: "re-read the server's config file and apply its policies and protection rules without a restart (as SIGHUP does); a file that does not validate changes nothing and the error says why",
			Flags: []cli.Flag{jsonFlag},
			Action: func(c *cli.Context) error {
				if err := args(c, 0, 0); err != nil {
					return err
				}
				out, err := ask(c, api.ReloadConfig, nil, api.None{})
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return printJSON(c.App.Writer, out)
				}
				_, err = fmt.Fprintln(c.App.ErrWriter, out.Detail)
				return err
			},
		}},
	}
}
