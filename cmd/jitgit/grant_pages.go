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
	return walkPages(c, api.ListGrantPage, q, 10000, func(p api.GrantPage) ([]api.Grant, string) { return p.Grants, p.Next }, fn)
}

// walkPages asks ep for the pages q selects, --page-size items at a time
// (at most max), and calls fn with the items of each, following the
// server's next (split names it in a page) until it is empty.
func walkPages[P, T any](c *cli.Context, ep api.Endpoint[api.None, P], q url.Values, max int, split func(P) ([]T, string), fn func([]T) error) error {
	client, err := newClient(c)
	if err != nil {
		return err
	}
	n := c.Int(pageSizeFlag.Name)
	if n < 1 || n > max {
		return fmt.Errorf("--page-size %d: use a number from 1 to %d", n, max)
	}
	q.Set("limit", strconv.Itoa(n))
	for {
		page, err := do(c.Context, client, ep, q, api.None{})
		if err != nil {
			return err
		}
		items, next := split(page)
		if err := fn(items); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		q.Set("after", next)
	}
}

// listPaged prints the items of the pages walk gives as they arrive: a
// JSON array with --json, else a table aligned a page at a time, the
// header once.
func listPaged[T any](c *cli.Context, walk func(fn func([]T) error) error, header []string, row func(T) []string) error {
	if c.Bool("json") {
		out := newJSONArrayWriter(c.App.Writer)
		err := walk(func(items []T) error {
			for _, it := range items {
				if err := out.put(it); err != nil {
					return err
				}
			}
			return out.flush()
		})
		if err != nil {
			return err
		}
		return out.close()
	}
	first := true
	return walk(func(items []T) error {
		rows := make([][]string, 0, len(items)+1)
		if first {
			rows = append(rows, header)
			first = false
		}
		for _, it := range items {
			rows = append(rows, row(it))
		}
		if len(rows) == 0 {
			return nil
		}
		return table(c.App.Writer, rows)
	})
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
	walk := func(fn func([]api.Grant) error) error { return walkGrants(c, q, fn) }
	if c.Bool("csv") && !c.Bool("json") {
		w := csv.NewWriter(c.App.Writer)
		_ = w.Write(grantCSVHeader)
		return walk(func(gs []api.Grant) error {
			for _, g := range gs {
				if line := grantCSVLine(g); line != nil {
					_ = w.Write(line)
				}
			}
			w.Flush()
			return w.Error()
		})
	}
	return listPaged(c, walk, header, row)
}
