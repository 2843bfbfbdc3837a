package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
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
			{Name: "purge", Usage: "expire reflogs and remove every object no ref reaches, now (cannot be undone)", ArgsUsage: "OWNER/NAME", Flags: []cli.Flag{jsonFlag}, Action: repoPurge},
		},
	}
}

func repoCreate(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	in := api.NewRepo{Name: c.Args().First(), Description: c.String("description")}
	if c.String("mirror") == "" {
		if c.IsSet("every") {
			return fmt.Errorf("--every needs --mirror")
		}
		_, err := do(c.Context, client, api.CreateRepo, nil, in)
		return err
	}
	in.Mirror, in.Every = c.String("mirror"), c.String("every")
	client.http.Timeout = fetchWait
	r, err := do(c.Context, client, api.CreateRepo, nil, in)
	if err != nil {
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
	client, err := newClient(c)
	if err != nil {
		return err
	}
	client.http.Timeout = fetchWait
	owner, repo, _ := strings.Cut(name, "/")
	r, err := do(c.Context, client, api.SyncRepo, nil, api.None{}, owner, repo)
	if err != nil {
		return err
	}
	return emit(c, r, func(api.Repo) error { return nil })
}

func repoList(c *cli.Context) error {
	return list(c, api.ListRepos, nil, []string{"REPO", "DESCRIPTION", "MIRROR OF", "EVERY", "LAST SYNC", "RESULT"}, func(r api.Repo) []string {
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
		return row
	})
}
