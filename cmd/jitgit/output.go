package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
)

// printJSON writes v as one indented JSON document.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes aligned columns; the first row is the header.
func table(w io.Writer, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			// Escaped: a cell may hold what a user typed, and a
			// control character would act on the terminal.
			fmt.Fprint(tw, audit.Escape(c))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// emit prints an API answer: as JSON under --json, otherwise as text
// says (which may print nothing).
func emit[T any](c *cli.Context, v T, text func(T) error) error {
	if c.Bool("json") {
		return printJSON(c.App.Writer, v)
	}
	return text(v)
}

// list is the whole of a `list` command: it asks ep, then prints the
// answer as a JSON array under --json, otherwise as a table of header and
// one row per item. args fill the path's {wildcards}.
func list[T any](c *cli.Context, ep api.Endpoint[api.None, []T], q url.Values, header []string, row func(T) []string, args ...string) error {
	client, err := newClient(c)
	if err != nil {
		return err
	}
	items, err := do(c.Context, client, ep, q, api.None{}, args...)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		if items == nil {
			items = []T{} // `--json` prints an array, even of nothing
		}
		return printJSON(c.App.Writer, items)
	}
	rows := [][]string{header}
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return table(c.App.Writer, rows)
}
