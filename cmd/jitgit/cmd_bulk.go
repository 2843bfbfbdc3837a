package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/service"
)

func grantBulkCommand() *cli.Command {
	return &cli.Command{
		Name:      "bulk",
		Usage:     "make many grants from a file (CSV or JSON lines) as one batch: all or none",
		ArgsUsage: "FILE|-",
		Description: `The file is CSV with the header subject,repo,access,for,reason[,ticket], or JSON
lines with the same fields; which one is detected from the content (or --format).
subject is user:NAME or group:NAME, repo OWNER/NAME or OWNER/*. Every line is
checked before anything is written; each invalid line is reported with its line
number, and nothing is written unless --skip-invalid. A line identical to a
running grant is unchanged (extended with --extend when the new end is later).
The grants made share one batch id: ` + "`jitgit grant revoke --batch ID`" + ` undoes them.

Example:
   jitgit grant bulk --dry-run oncall.csv
   jitgit grant bulk oncall.csv
   jitgit grant list --batch b_... --csv > again.csv`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Usage: "csv or jsonl (default: from the content)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "check and print what each line would do; change nothing"},
			&cli.BoolFlag{Name: "skip-invalid", Usage: "write the valid lines even when some are invalid"},
			&cli.BoolFlag{Name: "extend", Usage: "a line matching a running grant that ends sooner extends it"},
			&cli.BoolFlag{Name: "break-glass", Usage: "emergency: grant yourself access that needs approval (needs --reason; every grant. webhook is told)"},
			&cli.StringFlag{Name: "reason", Usage: "with --break-glass: why, for the audit trail"},
			&cli.BoolFlag{Name: "json", Usage: "print the summary and every line's result as JSON"},
		},
		Action: grantBulk,
	}
}

// bulkTimeout bounds one bulk call: a full file is written in seconds.
const bulkTimeout = 10 * time.Minute

// grantBulk streams the file to the server and prints what became of it.
func grantBulk(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	if c.Bool("break-glass") && strings.TrimSpace(c.String("reason")) == "" {
		return errors.New("--break-glass needs --reason TEXT: say why, for the audit trail")
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
	for flag, param := range map[string]string{"dry-run": "dry_run", "skip-invalid": "skip_invalid", "extend": "extend", "break-glass": "break_glass", "json": "lines"} {
		if c.Bool(flag) {
			q.Set(param, "1")
		}
	}
	if c.Bool("break-glass") {
		q.Set("reason", c.String("reason"))
	}
	if name != "-" {
		q.Set("note", name)
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	if !c.Bool("json") && term.IsTerminal(int(os.Stdout.Fd())) {
		bar = progressbar.DefaultBytes(size, "sending")
		r = io.TeeReader(r, bar)
	}
	var res api.BulkResult
	err = client.upload(c, api.BulkGrantsPath, r, size, q, &res, func() string { return res.Error })
	if bar != nil {
		_ = bar.Finish()
		_ = bar.Clear()
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if perr := printJSON(c.App.Writer, res); perr != nil {
			return perr
		}
	} else {
		printBulk(c, res)
	}
	if res.Error != "" {
		return errors.New(res.Error)
	}
	return nil
}

// upload sends body as one streamed request to path and decodes the
// answer into out, error answers included (they carry the invalid lines);
// errMsg reads the answer's error field.
func (a *apiClient) upload(c *cli.Context, path string, body io.Reader, size int64, q url.Values, out any, errMsg func() string) error {
	req, err := http.NewRequestWithContext(c.Context, "POST", a.base+path+"?"+q.Encode(), body)
	if err != nil {
		return err
	}
	if size >= 0 {
		req.ContentLength = size
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	a.authorize(req)
	client := *a.http
	client.Timeout = bulkTimeout
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s: %w", a.where, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("reading the answer from %s: %w", a.where, err)
	}
	if err := json.Unmarshal(data, out); err != nil || (resp.StatusCode >= 300 && errMsg() == "") {
		var e api.Error
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return &apiError{status: resp.StatusCode, msg: e.Error}
		}
		return &apiError{status: resp.StatusCode, msg: strings.TrimSpace(string(data))}
	}
	return nil
}

// openUpload opens FILE (or stdin for -) and refuses a regular file over
// the bounds before anything is sent.
func openUpload(name string) (io.Reader, int64, func(), error) {
	if name == "-" {
		return os.Stdin, -1, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	size := int64(-1)
	if st.Mode().IsRegular() {
		size = st.Size()
		if size > service.MaxBulkBytes {
			f.Close()
			return nil, 0, nil, fmt.Errorf("%s is %.1f MiB; a batch holds at most %d MiB and %d lines: split the file (split -l 100000 %s part-) and run each part",
				name, float64(size)/(1<<20), service.MaxBulkBytes>>20, service.MaxBulkLines, name)
		}
	}
	return f, size, func() { f.Close() }, nil
}

// printBulk prints the invalid lines (stderr), on a dry run every line,
// and a one-line summary.
func printBulk(c *cli.Context, res api.BulkResult) {
	for _, l := range res.Lines {
		switch {
		case l.Status == "invalid":
			fmt.Fprintf(c.App.ErrWriter, "line %d: %s\n", l.Line, l.Error)
		case res.DryRun:
			extra := ""
			if l.Extends != "" {
				extra = " (extends " + l.Extends + ")"
			} else if l.Grant != "" {
				extra = " (" + l.Grant + ")"
			}
			fmt.Fprintf(c.App.Writer, "line %d: %s %s %s %s for %s%s\n", l.Line, l.Status, l.Subject, l.Repo, l.Access, l.For, extra)
		}
	}
	what := "batch " + res.Batch + ":"
	switch {
	case res.DryRun:
		what = "dry run, nothing written:"
	case res.Batch == "" && res.Error != "":
		what = "nothing written:"
	case res.Batch == "":
		what = "nothing to write:"
	}
	fmt.Fprintf(c.App.Writer, "%s %d new, %d extended, %d unchanged, %d invalid\n", what, res.New, res.Extended, res.Unchanged, res.Invalid)
}
