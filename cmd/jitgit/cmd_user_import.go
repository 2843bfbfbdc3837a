package main

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func userImportCommand() *cli.Command {
	return &cli.Command{
		Name: "import", Usage: "add or update many users from a file (CSV or JSON lines)", ArgsUsage: "FILE|-",
		Description: `CSV with the header name,groups,flags (groups and flags separated by ';' or
spaces; flags: admin, approver, disabled), or JSON lines
{"name":"alice","groups":["sre"],"flags":["approver"]}. Every line is checked
first; an invalid line (named with its line number) writes nothing. A user that
exists gets the file's groups and flags; the same file twice changes nothing.

Example:
   jitgit user import --dry-run people.csv
   jitgit user import people.csv`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "csv or jsonl (default: from the content)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "check and print what each line would do; change nothing"},
			jsonFlag,
		},
		Action: userImport,
	}
}

func userImport(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	name := c.Args().First()
	r, size, closeFile, err := openUpload(name)
	if err != nil {
		return err
	}
	defer closeFile()
	q := url.Values{}
	if f := c.String("format"); f != "" {
		q.Set("format", f)
	}
	if c.Bool("dry-run") {
		q.Set("dry_run", "1")
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	var res api.UserImportResult
	if err := client.upload(c, api.ImportUsersPath, r, size, q, &res, func() string { return res.Error }); err != nil {
		return err
	}
	if c.Bool("json") {
		if err := printJSON(c.App.Writer, res); err != nil {
			return err
		}
	} else {
		for _, l := range res.Lines {
			switch {
			case l.Status == "invalid":
				fmt.Fprintf(c.App.ErrWriter, "line %d: %s\n", l.Line, l.Error)
			case res.DryRun:
				fmt.Fprintf(c.App.Writer, "line %d: %s %s\n", l.Line, l.Status, l.Name)
			}
		}
		what := "users:"
		if res.DryRun {
			what = "dry run, nothing written:"
		} else if res.Error != "" {
			what = "nothing written:"
		}
		fmt.Fprintf(c.App.Writer, "%s %d new, %d updated, %d unchanged, %d invalid\n", what, res.New, res.Updated, res.Unchanged, res.Invalid)
	}
	if res.Error != "" {
		return errors.New(res.Error)
	}
	return nil
}
