package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func policyCommand() *cli.Command {
	return &cli.Command{
		Name:  "policy",
		Usage: "show the standing policies (they come from the config file)",
		Subcommands: []*cli.Command{{
			Name:   "list",
			Usage:  "list the standing policies",
			Flags:  []cli.Flag{jsonFlag},
			Action: policyList,
		}},
	}
}

func policyList(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	return list(c, api.ListPolicies, nil, []string{"ID", "SUBJECTS", "REPOS", "SAYS"}, func(p api.Policy) []string {
		var says []string
		if p.Access != "" && p.Access != "none" {
			says = append(says, p.Effect+" "+p.Access)
		}
		if p.Approve {
			says = append(says, "may approve")
		}
		if p.AutoMax != "" {
			says = append(says, fmt.Sprintf("auto-approves %s up to %s", p.AutoAccess, p.AutoMax))
		}
		if p.Approvals > 0 {
			says = append(says, fmt.Sprintf("needs %d approvals", p.Approvals))
		}
		return []string{p.ID, strings.Join(p.Subjects, ","), strings.Join(p.Repos, ","), strings.Join(says, "; ")}
	})
}
