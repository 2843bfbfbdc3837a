package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
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
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "GET", "/api/v1/policies", nil, nil, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var ps []struct {
		ID         string   `json:"id"`
		Subjects   []string `json:"subjects"`
		Repos      []string `json:"repos"`
		Effect     string   `json:"effect"`
		Access     string   `json:"access"`
		Approve    bool     `json:"approve"`
		AutoMax    string   `json:"auto_max"`
		AutoAccess string   `json:"auto_access"`
		Approvals  int      `json:"approvals"`
	}
	if err := json.Unmarshal(raw, &ps); err != nil {
		return err
	}
	rows := [][]string{{"ID", "SUBJECTS", "REPOS", "SAYS"}}
	for _, p := range ps {
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
		rows = append(rows, []string{p.ID, strings.Join(p.Subjects, ","), strings.Join(p.Repos, ","), strings.Join(says, "; ")})
	}
	return table(c.App.Writer, rows)
}
