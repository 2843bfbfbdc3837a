package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "read the audit trail",
		Subcommands: []*cli.Command{{
			Name:  "list",
			Usage: "list decisions and changes, oldest first",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "since", Usage: "`DURATION` back (2h, 7d) or a TIME (2026-01-02, RFC 3339)"},
				&cli.StringFlag{Name: "until", Usage: "events before a `TIME` or DURATION back"},
				&cli.StringFlag{Name: "user", Usage: "events by or about user `NAME`"},
				&cli.StringFlag{Name: "repo", Usage: "events about `OWNER/NAME`"},
				&cli.StringFlag{Name: "action", Usage: "an `ACTION` (grant.create) or a prefix ending in '.' (grant.)"},
				&cli.StringFlag{Name: "result", Usage: "events of one `RESULT`: allow, deny, ok, error"},
				&cli.IntFlag{Name: "limit", Usage: "only the newest `N`"},
				jsonFlag,
			},
			Action: auditList,
		}, auditExportCommand(), auditVerifyCommand()},
	}
}

func auditList(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, k := range []string{"since", "until", "user", "repo", "action", "result"} {
		if v := c.String(k); v != "" {
			q.Set(k, v)
		}
	}
	if n := c.Int("limit"); n != 0 {
		q.Set("limit", strconv.Itoa(n))
	}
	// Without --limit the trail is read in pages, so neither side holds
	// all of it at once; --json streams one array.
	const page = 5000
	var evs []api.Event
	var each func(api.Event) error
	if c.Bool("json") {
		first := true
		fmt.Fprint(c.App.Writer, "[")
		each = func(e api.Event) error {
			b, err := json.MarshalIndent(e, "  ", "  ")
			if err != nil {
				return err
			}
			sep := ",\n  "
			if first {
				sep, first = "\n  ", false
			}
			_, err = fmt.Fprint(c.App.Writer, sep+string(b))
			return err
		}
		defer func() {
			if first {
				fmt.Fprintln(c.App.Writer, "]")
			} else {
				fmt.Fprintln(c.App.Writer, "\n]")
			}
		}()
	} else {
		each = func(e api.Event) error { evs = append(evs, e); return nil }
	}
	if c.Int("limit") == 0 {
		q.Set("page", strconv.Itoa(page))
	}
	for after := uint64(0); ; {
		if after > 0 {
			q.Set("after", strconv.FormatUint(after, 10))
		}
		got, err := do(c.Context, client, api.ListEvents, q, api.None{})
		if err != nil {
			return err
		}
		for _, e := range got.Events {
			// Each page starts after the last: a server that ignores
			// page and after would send the same events forever.
			if e.Seq <= after {
				return errors.New("the server sent audit events out of order; it may be too old to page the trail: use --limit N")
			}
			after = e.Seq
			if err := each(e); err != nil {
				return err
			}
		}
		if c.Int("limit") != 0 || got.Next == "" {
			break
		}
	}
	if c.Bool("json") {
		return nil
	}
	rows := [][]string{{"SEQ", "TIME", "ACTOR", "FROM", "VIA", "ACTION", "REPO", "RESULT", "BY", "DETAIL"}}
	for _, e := range evs {
		by := e.Grant
		if e.Policy != "" {
			by = "policy:" + e.Policy
		}
		if e.Request != "" && by == "" {
			by = e.Request
		}
		rows = append(rows, []string{
			strconv.FormatUint(e.Seq, 10), e.Time.Local().Format(time.DateTime), e.Actor, dash(e.Remote), dash(e.Transport),
			e.Action, dash(e.Repo), e.Result, dash(by), dash(oneLine(detail(e), 60)),
		})
	}
	return table(c.App.Writer, rows)
}

func detail(e api.Event) string {
	if e.Target != "" && e.Detail != "" {
		return e.Target + ": " + e.Detail
	}
	return e.Target + e.Detail
}
