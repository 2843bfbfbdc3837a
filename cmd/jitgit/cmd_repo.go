package main

import (
	"errors"
	"fmt"
	"net/http"
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
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "description", Usage: "one line shown on its page"},
					&cli.StringFlag{Name: "mirror", Usage: "upstream `URL` (https, http, ssh or git) to mirror read-only; fetched once now"},
					&cli.StringFlag{Name: "every", Usage: "fetch the mirror this often (1m to 7d)", Value: "1h", DefaultText: "1h"},
				}, mirrorFlags()...),
				Action: repoCreate,
			},
			{Name: "sync", Usage: "fetch a mirror from its upstream now", ArgsUsage: "OWNER/NAME", Flags: []cli.Flag{jsonFlag,
				&cli.BoolFlag{Name: "wait", Usage: "show progress and print the result; exit non-zero if the fetch failed"}}, Action: repoSync},
			mirrorCommand(),
			{Name: "list", Usage: "list repositories", Flags: []cli.Flag{jsonFlag,
				&cli.BoolFlag{Name: "unregistered", Usage: "list the bare repositories on disk that are not registered"}},
				Description: "Example:\n   jitgit repo list --unregistered", Action: repoList},
			repoImportCommand(),
			repoDescribeCommand(),
			repoRenameCommand(),
			repoRemoveCommand(),
			repoArchiveCommand(),
			repoUnarchiveCommand(),
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
		for _, f := range []string{"every", "credential", "host-key", "host-key-from-first-fetch"} {
			if c.IsSet(f) {
				return fmt.Errorf("--%s needs --mirror", f)
			}
		}
		_, err := do(c.Context, client, api.CreateRepo, nil, in)
		return err
	}
	in.Mirror, in.Every = c.String("mirror"), c.String("every")
	in.Credential, in.HostKey, in.HostKeyFromFirstFetch = c.String("credential"), c.String("host-key"), c.Bool("host-key-from-first-fetch")
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
	name, owner, repo, err := splitRepo(c.Args().First())
	if err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	client.http.Timeout = fetchWait
	if !c.Bool("wait") {
		r, err := do(c.Context, client, api.SyncRepo, nil, api.None{}, owner, repo)
		if err != nil {
			return err
		}
		return emit(c, r, func(api.Repo) error { return nil })
	}
	stop := syncProgress(c, name)
	before := lastSync(c, client, name)
	r, err := do(c.Context, client, api.SyncRepo, nil, api.None{}, owner, repo)
	var busy *apiError
	if errors.As(err, &busy) && busy.status == http.StatusConflict {
		// The scheduler is fetching it now: its result is the answer.
		r, err = awaitSync(c, client, name, before)
	}
	stop()
	if err != nil {
		// A failed fetch is recorded: show it as the result, as a success is.
		if got, lerr := do(c.Context, client, api.ListRepos, nil, api.None{}); lerr == nil {
			for _, x := range got {
				if x.Name == name && x.SyncResult == "error" {
					if perr := emit(c, x, func(x api.Repo) error {
						_, err := fmt.Fprintln(c.App.Writer, syncResult(x))
						return err
					}); perr != nil {
						return perr
					}
				}
			}
		}
		return err
	}
	return emit(c, r, func(r api.Repo) error {
		_, err := fmt.Fprintln(c.App.Writer, syncResult(r))
		return err
	})
}

func repoList(c *cli.Context) error {
	if c.Bool("unregistered") {
		return repoListUnregistered(c)
	}
	return list(c, api.ListRepos, nil, []string{"REPO", "DESCRIPTION", "MIRROR OF", "EVERY", "STATE", "CREDENTIAL", "HOST KEY", "LAST SYNC",
		"LAST SUCCESS", "STALE", "TOOK", "REFS", "NEXT", "RESULT"}, func(r api.Repo) []string {
		row := []string{r.Name, dash(r.Description), "-", "-", dash(r.State), "-", "-", "-", "-", "-", "-", "-", "-", "-"}
		if r.Mirror == "" && r.State != "read-only" {
			return row
		}
		if r.Mirror != "" {
			every := r.Every
			if every <= 0 {
				every = auth.DefaultMirrorEvery
			}
			row[2], row[3] = r.Mirror, auth.FormatDuration(every)
		}
		row[5] = dash(r.Credential)
		switch {
		case r.HostKeys != "" && r.HostKeyFromFirstFetch:
			row[6] = r.HostKeys + " (first fetch)"
		case r.HostKeys != "":
			row[6] = r.HostKeys
		case r.HostKeyFromFirstFetch:
			row[6] = "from the first fetch"
		}
		if !r.LastSync.IsZero() {
			row[7] = r.LastSync.Local().Format(time.DateTime)
			row[13] = r.SyncResult
			if r.SyncError != "" {
				row[13] += ": " + oneLine(r.SyncError, 80)
			}
		}
		if !r.LastSuccess.IsZero() {
			row[8], row[9] = r.LastSuccess.Local().Format(time.DateTime), dash(r.Stale)
		}
		row[10] = dash(r.SyncDuration)
		if !r.LastSync.IsZero() {
			row[11] = fmt.Sprintf("%d", r.SyncUpdated)
			if r.SyncRewritten > 0 {
				row[11] += fmt.Sprintf(" (%d rewritten)", r.SyncRewritten)
			}
		}
		if !r.NextSync.IsZero() {
			row[12] = r.NextSync.Local().Format(time.DateTime)
			if r.Failures > 0 {
				row[12] += fmt.Sprintf(" (backoff, %d failed)", r.Failures)
			}
		}
		return row
	})
}

// syncPoll is how often `repo sync --wait` looks for the result of a
// fetch the scheduler was already making.
const syncPoll = 250 * time.Millisecond

// lastSync is when the repository name was last fetched, as far as the
// server says (zero if unknown).
func lastSync(c *cli.Context, client *apiClient, name string) time.Time {
	rs, err := do(c.Context, client, api.ListRepos, nil, api.None{})
	if err != nil {
		return time.Time{}
	}
	for _, r := range rs {
		if r.Name == name {
			return r.LastSync
		}
	}
	return time.Time{}
}

// awaitSync waits, up to fetchWait, for a fetch of name that ends after
// before, and returns the repository as that fetch left it; a failed fetch
// is an error, as from the sync call.
func awaitSync(c *cli.Context, client *apiClient, name string, before time.Time) (api.Repo, error) {
	deadline := time.Now().Add(fetchWait)
	for time.Now().Before(deadline) {
		rs, err := do(c.Context, client, api.ListRepos, nil, api.None{})
		if err != nil {
			return api.Repo{}, err
		}
		for _, r := range rs {
			if r.Name == name && r.LastSync.After(before) {
				if r.SyncResult == "error" {
					return r, fmt.Errorf("upstream fetch failed: %s: %s", name, r.SyncError)
				}
				return r, nil
			}
		}
		select {
		case <-c.Context.Done():
			return api.Repo{}, c.Context.Err()
		case <-time.After(syncPoll):
		}
	}
	return api.Repo{}, fmt.Errorf("%s: the running fetch did not end within %s", name, fetchWait)
}
