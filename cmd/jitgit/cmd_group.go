package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func groupCommand() *cli.Command {
	members := func(add bool) cli.ActionFunc {
		return func(c *cli.Context) error {
			if err := args(c, 2, -1); err != nil {
				return err
			}
			ep := api.AddMembers
			if !add {
				ep = api.RemoveMembers
			}
			out, err := ask(c, ep, nil, api.Members{Users: c.Args().Tail()}, c.Args().First())
			if err != nil {
				return err
			}
			return emit(c, out, func(api.MembersChanged) error { return nil })
		}
	}
	return &cli.Command{
		Name:  "group",
		Usage: "list groups and change who is in them",
		Description: `A group exists while a user is in it. A change counts from the next Git
operation of the users it changes, and is in the audit trail.`,
		Subcommands: []*cli.Command{
			{
				Name: "list", Usage: "list every group and how many members it has",
				Description: "Example:\n   jitgit group list --json",
				Flags:       []cli.Flag{jsonFlag},
				Action: func(c *cli.Context) error {
					if err := args(c, 0, 0); err != nil {
						return err
					}
					return list(c, api.ListGroups, nil, []string{"GROUP", "MEMBERS"}, func(g api.Group) []string {
						return []string{g.Name, fmt.Sprint(len(g.Members))}
					})
				},
			},
			{
				Name: "members", Usage: "list the members of a group", ArgsUsage: "GROUP",
				Description: "Example:\n   jitgit group members sre",
				Flags:       []cli.Flag{jsonFlag},
				Action: func(c *cli.Context) error {
					if err := args(c, 1, 1); err != nil {
						return err
					}
					gs, err := ask(c, api.ListGroups, nil, api.None{})
					if err != nil {
						return err
					}
					for _, g := range gs {
						if g.Name == c.Args().First() {
							return emit(c, g.Members, func(ms []string) error {
								if len(ms) > 0 {
									fmt.Fprintln(c.App.Writer, strings.Join(ms, "\n"))
								}
								return nil
							})
						}
					}
					return fmt.Errorf("no group %q: no user is in it (add one with `jitgit group add-member %s USER`)", c.Args().First(), c.Args().First())
				},
			},
			{
				Name: "add-member", Usage: "put users in a group (all or none)", ArgsUsage: "GROUP USER...",
				Description: "Example:\n   jitgit group add-member sre alice bob",
				Flags:       []cli.Flag{jsonFlag},
				Action:      members(true),
			},
			{
				Name: "remove-member", Usage: "take users out of a group (all or none)", ArgsUsage: "GROUP USER...",
				Description: "Example:\n   jitgit group remove-member sre bob",
				Flags:       []cli.Flag{jsonFlag},
				Action:      members(false),
			},
		},
	}
}
