package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func repoArchiveCommand() *cli.Command {
	return &cli.Command{
		Name: "archive", Usage: "archive a repository: nobody has any access to it until it is unarchived", ArgsUsage: "OWNER/NAME",
		Description: `Every Git operation on it is refused, over HTTP and SSH, whatever grants or
policies say, and so are new grants and requests for it. Its files, its grants
(which go on running out by themselves) and its audit history are kept.
A mirror of it is no longer fetched.

Example:
   jitgit repo archive acme/old-billing --reason 'replaced by acme/billing'`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "reason", Usage: "why, for the audit trail and for those refused (required)"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			if c.String("reason") == "" {
				return fmt.Errorf("say why with --reason TEXT: it is on the record and in every refusal")
			}
			_, owner, repo, err := splitRepo(c.Args().First())
			if err != nil {
				return err
			}
			r, err := ask(c, api.ArchiveRepo, nil, api.RepoArchive{Reason: c.String("reason")}, owner, repo)
			if err != nil {
				return err
			}
			return emit(c, r, func(api.Repo) error { return nil })
		},
	}
}

func repoUnarchiveCommand() *cli.Command {
	return &cli.Command{
		Name: "unarchive", Usage: "end a repository's archive: its grants and policies decide again", ArgsUsage: "OWNER/NAME",
		Description: "A grant that ran out while it was archived stays ended.\n\nExample:\n   jitgit repo unarchive acme/old-billing",
		Flags:       []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			_, owner, repo, err := splitRepo(c.Args().First())
			if err != nil {
				return err
			}
			r, err := ask(c, api.UnarchiveRepo, nil, api.None{}, owner, repo)
			if err != nil {
				return err
			}
			return emit(c, r, func(api.Repo) error { return nil })
		},
	}
}
