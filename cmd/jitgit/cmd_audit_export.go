package main

import (
	"fmt"
	"io"
	"net/url"
	"os"

	"github.com/urfave/cli/v2"
)

func auditExportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "stream the audit trail as JSON lines, one event per line, with its signed checkpoints (docs/audit.md)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "since", Usage: "`DURATION` back (2h, 7d) or a TIME (2026-01-02, RFC 3339)"},
			&cli.StringFlag{Name: "until", Usage: "events before a `TIME` or DURATION back"},
			&cli.StringFlag{Name: "user", Usage: "events by or about user `NAME`"},
			&cli.StringFlag{Name: "repo", Usage: "events about `OWNER/NAME`"},
			&cli.StringFlag{Name: "action", Usage: "an `ACTION` (grant.create) or a prefix ending in '.' (grant.)"},
			&cli.StringFlag{Name: "result", Usage: "events of one `RESULT`: allow, deny, ok, error"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (mode 0600) instead of standard output"},
		},
		Action: auditExport,
	}
}

// exportQuery is the export's query from the command's filter flags.
func exportQuery(c *cli.Context) url.Values {
	q := url.Values{}
	for _, k := range []string{"since", "until", "user", "repo", "action", "result"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func auditExport(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	var w io.Writer = c.App.Writer
	if out := c.String("output"); out != "" {
		f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		w = f
	}
	path := "/api/v1/audit/export"
	if q := exportQuery(c); len(q) > 0 {
		path += "?" + q.Encode()
	}
	if err := client.download(c.Context, path, w); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}
