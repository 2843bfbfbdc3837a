package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
)

// fetchWait is how long the CLI waits for the server to fetch a mirror.
const fetchWait = 30 * time.Minute

func repoCommand() *cli.Command {
	return &cli.Command{
		Name:  "repo",
		Usage: "manage repositories",
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "create an empty bare repository, or a read-only mirror of an upstream", ArgsUsage: "OWNER/NAME",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "description", Usage: "one line shown on its page"},
					&cli.StringFlag{Name: "mirror", Usage: "upstream `URL` (https, http, ssh or git) to mirror read-only; fetched once now"},
					&cli.StringFlag{Name: "every", Usage: "fetch the mirror this often (1m to 7d)", Value: "1h", DefaultText: "1h"},
				},
				Action: repoCreate,
			},
			{Name: "sync", Usage: "fetch a mirror from its upstream now", ArgsUsage: "OWNER/NAME", Flags: []cli.Flag{jsonFlag}, Action: repoSync},
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
	in := map[string]string{"name": c.Args().First(), "description": c.String("description")}
	if c.String("mirror") == "" {
		if c.IsSet("every") {
			return fmt.Errorf("--every needs --mirror")
		}
		return api.call(c.Context, "POST", "/api/v1/repos", nil, in, nil)
	}
	in["mirror"], in["every"] = c.String("mirror"), c.String("every")
	api.http.Timeout = fetchWait
	var r auth.Repo
	if err := api.call(c.Context, "POST", "/api/v1/repos", nil, in, &r); err != nil {
		return err
	}
	if r.SyncResult == "error" {
		fmt.Fprintf(c.App.ErrWriter, "jitgit: mirror %s is registered, but its first fetch failed: %s\njitgit: the server retries it; `jitgit repo sync %s` tries now\n", r.Name, r.SyncError, r.Name)
	}
	return nil
}

func repoSync(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	name, err := auth.CanonicalRepo(c.Args().First())
	if err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	api.http.Timeout = fetchWait
	var raw json.RawMessage
	owner, repo, _ := strings.Cut(name, "/")
	if err := api.call(c.Context, "POST", "/api/v1/repos/"+url.PathEscape(owner)+"/"+url.PathEscape(repo)+"/sync", nil, nil, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	return nil
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
	rows := [][]string{{"REPO", "DESCRIPTION", "MIRROR OF", "EVERY", "LAST SYNC", "RESULT"}}
	for _, r := range rs {
		row := []string{r.Name, dash(r.Description), "-", "-", "-", "-"}
		if r.Mirror != "" {
			every := r.Every
			if every <= 0 {
				every = auth.DefaultMirrorEvery
			}
			row[2], row[3] = r.Mirror, auth.FormatDuration(every)
			if !r.LastSync.IsZero() {
				row[4] = r.LastSync.Local().Format(time.DateTime)
				row[5] = r.SyncResult
				if r.SyncError != "" {
					row[5] += ": " + oneLine(r.SyncError, 60)
				}
			}
		}
		rows = append(rows, row)
	}
	return table(c.App.Writer, rows)
}
