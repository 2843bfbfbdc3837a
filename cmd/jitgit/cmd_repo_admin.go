package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func repoImportCommand() *cli.Command {
	return &cli.Command{
		Name: "import", Usage: "register the existing bare repositories at DIR/OWNER/NAME.git, keeping their history", ArgsUsage: "DIR",
		Description: `Each is copied under the server's repository root (objects and refs; not its
hooks or config), or moved with --move (same file system). Names are checked as
repo create checks them; DIR is on the server's machine.

Example:
   jitgit repo import /srv/old-git        # /srv/old-git/acme/app.git → acme/app`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "move", Usage: "move the repositories instead of copying them"},
			jsonFlag,
		},
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			dir, err := filepath.Abs(c.Args().First())
			if err != nil {
				return err
			}
			out, err := ask(c, api.ImportRepos, nil, api.RepoImport{Dir: dir, Move: c.Bool("move")})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return printJSON(c.App.Writer, out)
			}
			for _, s := range out.Skipped {
				fmt.Fprintln(c.App.ErrWriter, "skipped "+s)
			}
			for _, n := range out.Imported {
				fmt.Fprintln(c.App.Writer, n)
			}
			if len(out.Skipped) > 0 {
				return fmt.Errorf("%d imported, %d skipped", len(out.Imported), len(out.Skipped))
			}
			return nil
		},
	}
}

func repoDescribeCommand() *cli.Command {
	return &cli.Command{
		Name: "describe", Usage: "set a repository's one-line description", ArgsUsage: "OWNER/NAME TEXT",
		Description: "Example:\n   jitgit repo describe acme/app 'the payments app'",
		Action: func(c *cli.Context) error {
			if err := args(c, 2, 2); err != nil {
				return err
			}
			_, owner, repo, err := splitRepo(c.Args().First())
			if err != nil {
				return err
			}
			_, err = ask(c, api.DescribeRepo, nil, api.RepoDescription{Description: c.Args().Get(1)}, owner, repo)
			return err
		},
	}
}

// repoListUnregistered prints the bare repositories on disk that no
// record names.
func repoListUnregistered(c *cli.Context) error {
	names, err := ask(c, api.UnregisteredRepos, nil, api.None{})
	if err != nil {
		return err
	}
	return emit(c, names, func(ns []string) error {
		for _, n := range ns {
			fmt.Fprintln(c.App.Writer, n+"\t(unregistered: `jitgit repo import` registers it)")
		}
		return nil
	})
}

func repoRenameCommand() *cli.Command {
	return &cli.Command{
		Name: "rename", Usage: "rename a repository (refused while grants name it: grants do not follow)", ArgsUsage: "OLD NEW",
		Description: "Example:\n   jitgit repo rename acme/app acme/payments-app",
		Action: func(c *cli.Context) error {
			if err := args(c, 2, 2); err != nil {
				return err
			}
			_, owner, repo, err := splitRepo(c.Args().First())
			if err != nil {
				return err
			}
			_, err = ask(c, api.RenameRepo, nil, api.RepoRename{To: c.Args().Get(1)}, owner, repo)
			return err
		},
	}
}

func repoRemoveCommand() *cli.Command {
	return &cli.Command{
		Name: "remove", Usage: "delete a repository and its files (its audit history stays)", ArgsUsage: "OWNER/NAME",
		Description: "Refused while grants name it, unless --force (which revokes them).\n\nExample:\n   jitgit repo remove acme/old --yes",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "yes", Usage: "yes, delete it: its files are gone for good"},
			&cli.BoolFlag{Name: "force", Usage: "revoke the running grants on it first"},
		},
		Action: func(c *cli.Context) error {
			if err := args(c, 1, 1); err != nil {
				return err
			}
			if !c.Bool("yes") {
				return fmt.Errorf("removing %s deletes its files for good: run again with --yes", c.Args().First())
			}
			_, owner, repo, err := splitRepo(c.Args().First())
			if err != nil {
				return err
			}
			_, err = ask(c, api.RemoveRepo, nil, api.RepoRemoval{Force: c.Bool("force")}, owner, repo)
			return err
		},
	}
}
