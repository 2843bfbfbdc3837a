//go:build jitgit_testclock

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// debugAuditCommand edits a stopped server's audit trail as an attacker
// with write access to the database could, for the tests of its defences.
func debugAuditCommand() *cli.Command {
	return &cli.Command{
		Name:  "audit",
		Usage: "the audit trail of a stopped server",
		Subcommands: []*cli.Command{{
			Name:      "tamper",
			Usage:     "change the detail of event SEQ in the database of --data (the server must be stopped)",
			ArgsUsage: "SEQ",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "detail", Value: "tampered", Usage: "the new `DETAIL`"},
				&cli.BoolFlag{Name: "rehash", Usage: "recompute the chain's hashes from SEQ on, so that only the checkpoints can tell"},
			},
			Action: func(c *cli.Context) error {
				if err := args(c, 1, 1); err != nil {
					return err
				}
				seq, err := strconv.ParseUint(c.Args().First(), 10, 64)
				if err != nil {
					return fmt.Errorf("SEQ %q: %w", c.Args().First(), err)
				}
				db, err := badgerstore.Open(filepath.Join(c.String("data"), "db"), badgerstore.Options{})
				if err != nil {
					return err
				}
				defer db.Close()
				return db.RewriteEvent(context.Background(), seq, func(e *audit.Event) { e.Detail = c.String("detail") }, c.Bool("rehash"))
			},
		}},
	}
}
