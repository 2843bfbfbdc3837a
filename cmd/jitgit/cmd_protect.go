package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func protectCommand() *cli.Command {
	return &cli.Command{
		Name:  "protect",
		Usage: "protect refs from force-pushes, deletion, creation or any push with plain write access",
		Subcommands: []*cli.Command{
			{
				Name: "add", Usage: "add a protection rule; the next push obeys it", ArgsUsage: "ID",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "repo", Usage: "`OWNER/NAME`, OWNER/* or *", Required: true},
					&cli.StringFlag{Name: "ref", Usage: "ref `PATTERN`: refs/heads/main, refs/heads/release/*, refs/tags/*", Required: true},
					&cli.StringFlag{Name: "forbid", Usage: "what plain write access may not do: `force,delete,create,update` (update: any push)", Required: true},
					&cli.StringFlag{Name: "description", Usage: "why, shown in refusals"},
					jsonFlag,
				},
				Action: protectAdd,
			},
			{Name: "list", Usage: "list the protection rules", Flags: []cli.Flag{jsonFlag}, Action: protectList},
			{Name: "remove", Usage: "remove protection rules made with protect add", ArgsUsage: "ID...", Action: protectRemove},
		},
	}
}

func protectAdd(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	id := c.Args().First()
	if err := auth.ValidateID("protection rule id", id); err != nil {
		return err
	}
	if err := auth.ValidateRefPattern(c.String("ref")); err != nil {
		return fmt.Errorf("--ref: %w", err)
	}
	if _, err := auth.ParseChanges(c.String("forbid")); err != nil {
		return fmt.Errorf("--forbid: %w", err)
	}
	in := api.Protection{ID: id, Description: c.String("description"), Repo: c.String("repo"), Ref: c.String("ref"), Forbid: c.String("forbid")}
	p, err := ask(c, api.AddProtection, nil, in)
	if err != nil {
		return err
	}
	return emit(c, p, func(p api.Protection) error {
		_, err := fmt.Fprintln(c.App.Writer, p.ID)
		return err
	})
}

func protectList(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	return list(c, api.ListProtections, nil, []string{"ID", "REPO", "REF", "FORBIDS", "SOURCE", "DESCRIPTION"}, func(p api.Protection) []string {
		return []string{p.ID, p.Repo, p.Ref, p.Forbid, p.Source, dash(oneLine(p.Description, 40))}
	})
}

func protectRemove(c *cli.Context) error {
	if err := args(c, 1, -1); err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	for _, id := range c.Args().Slice() {
		if _, err := do(c.Context, client, api.RemoveProtection, nil, api.None{}, id); err != nil {
			return fmt.Errorf("protection rule %s: %w", id, err)
		}
	}
	return nil
}

// refsCell shows a grant's ref scope in a table: "*" for every ref no rule
// protects, else the pattern and its allowance.
func refsCell(ref, allow string) string {
	switch {
	case ref == "":
		return "*"
	case allow != "":
		return ref + " +" + allow
	}
	return ref
}
