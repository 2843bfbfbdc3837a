package main

import (
	"net/url"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func webhookCommand() *cli.Command {
	return &cli.Command{
		Name:  "webhook",
		Usage: "see and repeat webhook deliveries",
		Subcommands: []*cli.Command{{
			Name:  "deliveries",
			Usage: "list deliveries, newest first: what was sent, when, status, attempts, last error",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "failed", Usage: "only the failed and retrying ones"},
				&cli.StringFlag{Name: "receiver", Usage: "only those to receiver `NAME` (a [[webhook]] name)"},
				&cli.IntFlag{Name: "limit", Usage: "at most `N` (default and most: 1000)"},
				jsonFlag,
			},
			Action: webhookDeliveries,
		}, {
			Name:      "redeliver",
			Usage:     "send a delivery again (ID as deliveries lists it, RECEIVER:SEQ)",
			ArgsUsage: "ID",
			Flags:     []cli.Flag{jsonFlag},
			Action:    webhookRedeliver,
		}},
	}
}

func webhookDeliveries(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	q := url.Values{}
	if c.Bool("failed") {
		q.Set("failed", "1")
	}
	if r := c.String("receiver"); r != "" {
		q.Set("receiver", r)
	}
	if n := c.Int("limit"); n != 0 {
		q.Set("limit", strconv.Itoa(n))
	}
	return list(c, api.ListDeliveries, q, []string{"ID", "EVENT", "STATUS", "ATTEMPTS", "LAST", "DELIVERED", "CODE", "ERROR"}, func(d api.Delivery) []string {
		delivered, code := "-", "-"
		if !d.Delivered.IsZero() {
			delivered = d.Delivered.UTC().Format(time.RFC3339)
		}
		if d.Code != 0 {
			code = strconv.Itoa(d.Code)
		}
		return []string{d.ID, d.Action, d.Status, strconv.Itoa(d.Attempts), d.Last.UTC().Format(time.RFC3339), delivered, code, d.Error}
	})
}

func webhookRedeliver(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	r, err := ask(c, api.Redeliver, nil, api.None{}, c.Args().First())
	if err != nil {
		return err
	}
	return emit(c, r, func(api.Redelivery) error { return nil })
}
