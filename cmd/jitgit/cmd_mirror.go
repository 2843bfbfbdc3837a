package main

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

// mirrorFlags are the flags of `repo create` that only a mirror takes.
func mirrorFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "credential", Usage: "authenticate to the upstream with the credential `NAME` (see `jitgit credential add`)"},
		&cli.StringFlag{Name: "host-key", Usage: "pin an ssh upstream's host key, \"TYPE BASE64\" as in its ssh_host_*_key.pub"},
		&cli.BoolFlag{Name: "host-key-from-first-fetch", Usage: "trust the ssh upstream's host key seen on the first fetch, and pin it (shown in `repo list`)"},
	}
}

func mirrorCommand() *cli.Command {
	return &cli.Command{
		Name:  "mirror",
		Usage: "change or remove a mirror",
		Subcommands: []*cli.Command{
			{
				Name: "set", Usage: "change a mirror's upstream, credential, interval, pause or host key", ArgsUsage: "OWNER/NAME",
				Flags: append(mirrorFlags(),
					&cli.StringFlag{Name: "url", Usage: "the new upstream `URL`"},
					&cli.StringFlag{Name: "every", Usage: "fetch this often (1m to 7d)"},
					&cli.BoolFlag{Name: "paused", Usage: "stop (--paused) or resume (--paused=false) the scheduled fetches"},
					&cli.BoolFlag{Name: "no-credential", Usage: "authenticate with no credential"},
					jsonFlag),
				Action: mirrorSet,
			},
			{
				Name: "remove", Usage: "stop mirroring: keep the repository read-only (--read-only) or delete it with its files (--delete)", ArgsUsage: "OWNER/NAME",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "read-only", Usage: "keep the last fetched copy, read-only, never fetched again"},
					// The old name of --read-only; not `repo archive`.
					&cli.BoolFlag{Name: "archive", Hidden: true},
					&cli.BoolFlag{Name: "delete", Usage: "delete the repository and its files"},
					jsonFlag,
				},
				Action: mirrorRemove,
			},
		},
	}
}

func mirrorSet(c *cli.Context) error {
	_, owner, repo, err := repoArg(c)
	if err != nil {
		return err
	}
	var in api.MirrorChange
	str := func(flag string) *string {
		if !c.IsSet(flag) {
			return nil
		}
		v := c.String(flag)
		return &v
	}
	in.URL, in.Credential, in.Every, in.HostKey = str("url"), str("credential"), str("every"), str("host-key")
	if c.Bool("no-credential") {
		if in.Credential != nil {
			return fmt.Errorf("--credential or --no-credential, not both")
		}
		none := ""
		in.Credential = &none
	}
	if c.IsSet("paused") {
		p := c.Bool("paused")
		in.Paused = &p
	}
	in.HostKeyFromFirstFetch = c.Bool("host-key-from-first-fetch")
	if in == (api.MirrorChange{}) {
		return fmt.Errorf("nothing to change: give --url, --credential, --every, --paused, --host-key or --host-key-from-first-fetch")
	}
	r, err := ask(c, api.SetMirror, nil, in, owner, repo)
	if err != nil {
		return err
	}
	return emit(c, r, func(api.Repo) error { return nil })
}

func mirrorRemove(c *cli.Context) error {
	_, owner, repo, err := repoArg(c)
	if err != nil {
		return err
	}
	in := api.MirrorRemoval{ReadOnly: c.Bool("read-only") || c.Bool("archive"), Delete: c.Bool("delete")}
	if in.ReadOnly == in.Delete {
		return fmt.Errorf("say what is left: --read-only (a read-only copy) or --delete (nothing)")
	}
	r, err := ask(c, api.RemoveMirror, nil, in, owner, repo)
	if err != nil {
		return err
	}
	return emit(c, r, func(api.MirrorRemoved) error { return nil })
}

// syncProgress tells the user what `repo sync --wait` is doing: a line
// that is rewritten on a terminal, nothing in between otherwise.
func syncProgress(c *cli.Context, name string) func() {
	f, ok := c.App.ErrWriter.(*os.File)
	var fi os.FileInfo
	if ok {
		fi, _ = f.Stat()
	}
	if fi == nil || fi.Mode()&os.ModeCharDevice == 0 {
		fmt.Fprintf(c.App.ErrWriter, "syncing %s ...\n", name)
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		start := time.Now()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			fmt.Fprintf(f, "\rsyncing %s ... %s", name, time.Since(start).Round(time.Second))
			select {
			case <-done:
				fmt.Fprint(f, "\r\033[K")
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// syncResult is the result line of `repo sync --wait`.
func syncResult(r api.Repo) string {
	if r.SyncResult == "error" {
		return fmt.Sprintf("%s: failed after %s: %s", r.Name, dash(r.SyncDuration), r.SyncError)
	}
	s := fmt.Sprintf("%s: ok in %s, %d refs updated", r.Name, dash(r.SyncDuration), r.SyncUpdated)
	if r.SyncRewritten > 0 {
		s += fmt.Sprintf(", %d refs rewritten", r.SyncRewritten)
	}
	return s
}
