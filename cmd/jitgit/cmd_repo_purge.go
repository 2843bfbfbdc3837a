package main

import (
	"context"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
)

// repoPurge runs `jitgit repo purge OWNER/NAME`: quiet on success, the
// counts with --json.
func repoPurge(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	_, owner, repo, err := splitRepo(c.Args().First())
	if err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	client.http.Timeout = fetchWait
	r, err := do(c.Context, client, api.PurgeRepo, nil, api.None{}, owner, repo)
	if err != nil {
		return err
	}
	return emit(c, r, func(api.RepoPurged) error { return nil })
}

// purgeAfterRewrite is the runner's AfterRewrite when purge_after_rewrite
// is on: the purge of `jitgit repo purge`, by the server itself.
func purgeAfterRewrite(svc *service.Service, repos *server.Repos, log *slog.Logger) func(context.Context, string) {
	return func(ctx context.Context, repo string) {
		res, err := svc.PurgeRepo(ctx, auth.System("git"), repo, repos)
		if err != nil {
			log.Warn("purge after a rewriting push failed; run jitgit repo purge", "repo", repo, "err", err)
			return
		}
		log.Info("purged after a rewriting push", "repo", repo, "objects_before", res.ObjectsBefore, "objects_after", res.ObjectsAfter)
	}
}
