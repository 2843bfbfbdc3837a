package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

// pageSizeFlag is how many grants the CLI asks the server for at a time.
var pageSizeFlag = &cli.IntFlag{Name: "page-size", Value: api.DefaultGrantPage, Usage: "ask the server for `N` grants at a time (1 to 10000)"}

// walkGrants calls fn with each page of the grants q selects, in id
// order, following the server's next until it is empty: memory holds one
// page however many grants there are.
func walkGrants(c *cli.Context, q url.Values, fn func([]api.Grant) error) error {
	client, err := newClient(c)
	if err != nil {
		return err
	}
	n := c.Int(pageSizeFlag.Name)
	if n < 1 || n > 10000 {
		return fmt.Errorf("--page-size %d: use a number from 1 to 10000", n)
	}
	q.Set("limit", strconv.Itoa(n))
	for {
		page, err := do(c.Context, client, api.ListGrantPage, q, api.None{})
		if err != nil {
			return err
		}
		if err := fn(page.Grants); err != nil {
			return err
		}
		if page.Next == "" {
			return nil
		}
		q.Set("after", page.Next)
	}
}

// jsonArrayWriter prints a JSON array one element at a time, laid out as
// printJSON lays out a whole one.
type jsonArrayWriter struct {
	w *bufio.Writer
	n int
}

func newJSONArrayWriter(w io.Writer) *jsonArrayWriter {
	return &jsonArrayWriter{w: bufio.NewWriter(w)}
}

func (a *jsonArrayWriter) put(v any) error {
	b, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n  "
	if a.n == 0 {
		sep = "[\n  "
	}
	a.n++
	a.w.WriteString(sep)
	_, err = a.w.Write(b)
	return err
}

// flush writes what put left buffered, so the output keeps up with the
// pages.
func (a *jsonArrayWriter) flush() error { return a.w.Flush() }

// close ends the array ("[]" when nothing was put) and flushes it.
func (a *jsonArrayWriter) close() error {
	end := "\n]\n"
	if a.n == 0 {
		end = "[]\n"
	}
	a.w.WriteString(end)
	return a.w.Flush()
}

// grantListPaged prints the grants q selects as they arrive: JSON, CSV
// or a table aligned a page at a time, the header once.
func grantListPaged(c *cli.Context, q url.Values, header []string, row func(api.Grant) []string) error {
	switch {
	case c.Bool("json"):
		out := newJSONArrayWriter(c.App.Writer)
		err := walkGrants(c, q, func(gs []api.Grant) error {
			for _, g := range gs {
				if err := out.put(g); err != nil {
					return err
				}
			}
			return out.flush()
		})
		if err != nil {
			return err
		}
		return out.close()
	case c.Bool("csv"):
		w := csv.NewWriter(c.App.Writer)
		_ = w.Write(grantCSVHeader)
		return walkGrants(c, q, func(gs []api.Grant) error {
			for _, g := range gs {
				if line := grantCSVLine(g); line != nil {
					_ = w.Write(line)
				}
			}
			w.Flush()
			return w.Error()
		})
	}
	first := true
	return walkGrants(c, q, func(gs []api.Grant) error {
		rows := make([][]string, 0, len(gs)+1)
		if first {
			rows = append(rows, header)
			first = false
		}
		for _, g := range gs {
			rows = append(rows, row(g))
		}
		if len(rows) == 0 {
			return nil
		}
		return table(c.App.Writer, rows)
	})
}
