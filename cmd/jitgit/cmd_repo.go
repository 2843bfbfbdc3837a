package main

import (
	"encoding/json"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
)

func repoCommand() *cli.Command {
	return &cli.Command{
		Name:  "repo",
		Usage: "manage repositories",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "create an empty bare repository", ArgsUsage: "OWNER/NAME",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "description", Usage: "one line shown on its page"}},
				Action: repoCreate,
			},
			{Name: "list", Usage: "list repositories", Flags: []cli.Flag{jsonFlag}, Action: repoList},
		},
	}
}

func repoCreate(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	return api.call(c.Context, "POST", "/api/v1/repos", nil, map[string]string{"name": c.Args().First(), "description": c.String("description")}, nil)
}

func repoList(c *cli.Context) error {
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "GET", "/api/v1/repos", nil, nil, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var rs []auth.Repo
	if err := json.Unmarshal(raw, &rs); err != nil {
		return err
	}
	rows := [][]string{{"REPO", "DESCRIPTION"}}
	for _, r := range rs {
		rows = append(rows, []string{r.Name, dash(r.Description)})
	}
	return table(c.App.Writer, rows)
}
