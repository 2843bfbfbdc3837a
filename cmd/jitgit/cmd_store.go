package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage/badgerstore"
	"github.com/jitgit/jitgit/storage/etcdstore"
)

func storeCommand() *cli.Command {
	return &cli.Command{
		Name:  "store",
		Usage: "work on the store behind the server (the server must be stopped)",
		Subcommands: []*cli.Command{{
			Name:  "migrate",
			Usage: "copy every record and the audit trail from a Badger data directory into an empty etcd prefix",
			Description: "--from badger:DIR names the data directory (its db inside), --to etcd:URL[,URL...][?prefix=/jitgit/] the etcd cluster " +
				"and the prefix, which must hold nothing. Every record is copied as it is stored (same keys, same encoding): users, tokens, " +
				"keys, repositories, grants, policies, protection rules, requests, sessions, credentials, webhook deliveries, batches, " +
				"the audit trail with its sequence and hashes, and its checkpoints. The chain is verified on etcd afterwards.",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "from", Usage: "badger:`DIR`, the stopped server's data directory", Required: true},
				&cli.StringFlag{Name: "to", Usage: "etcd:`URLS`[?prefix=/jitgit/]", Required: true},
				&cli.StringFlag{Name: "tls-cert", Usage: "client certificate `FILE` for etcd"},
				&cli.StringFlag{Name: "tls-key", Usage: "its key `FILE`"},
				&cli.StringFlag{Name: "tls-ca", Usage: "CA bundle `FILE` for etcd's certificates"},
				&cli.IntFlag{Name: "max-txn-ops", Usage: "the etcd servers' --max-txn-ops", Value: etcdstore.DefaultMaxTxnOps},
				&cli.BoolFlag{Name: "json", Usage: "print a summary as JSON"},
			},
			Action: storeMigrate,
		}},
	}
}

// migrateSummary is what `store migrate --json` prints.
type migrateSummary struct {
	Records int    `json:"records"`
	Events  uint64 `json:"events"`
	To      string `json:"to"`
	Prefix  string `json:"prefix"`
}

// parseMigrateTarget reads etcd:URL[,URL...][?prefix=P] into a [store]
// section, checked as the config file's is.
func parseMigrateTarget(to string) (StoreConfig, error) {
	cfg := defaultStoreConfig()
	cfg.Backend = backendEtcd
	rest, ok := strings.CutPrefix(to, "etcd:")
	if !ok || rest == "" {
		return cfg, fmt.Errorf("--to %q: give etcd:URL[,URL...][?prefix=/jitgit/]", to)
	}
	urls, query, _ := strings.Cut(rest, "?")
	for _, e := range strings.Split(urls, ",") {
		if err := checkEndpoint(e); err != nil {
			return cfg, fmt.Errorf("--to: %w", err)
		}
		cfg.Endpoints = append(cfg.Endpoints, e)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return cfg, fmt.Errorf("--to %q: %w", to, err)
	}
	for k := range q {
		if k != "prefix" {
			return cfg, fmt.Errorf("--to %q: unknown option %q (only prefix)", to, k)
		}
	}
	if p := q.Get("prefix"); p != "" {
		if err := checkPrefix(p); err != nil {
			return cfg, fmt.Errorf("--to prefix: %w", err)
		}
		cfg.Prefix = p
	}
	return cfg, nil
}

func storeMigrate(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	dir, ok := strings.CutPrefix(c.String("from"), "badger:")
	if !ok || dir == "" {
		return fmt.Errorf("--from %q: give badger:DIR, the data directory of the stopped server", c.String("from"))
	}
	target, err := parseMigrateTarget(c.String("to"))
	if err != nil {
		return err
	}
	target.TLSCert, target.TLSKey, target.TLSCA = c.String("tls-cert"), c.String("tls-key"), c.String("tls-ca")
	if (target.TLSCert == "") != (target.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	if target.MaxTxnOps = c.Int("max-txn-ops"); target.MaxTxnOps < 64 {
		return fmt.Errorf("--max-txn-ops %d: at least 64", target.MaxTxnOps)
	}
	if conn, err := net.DialTimeout("unix", filepath.Join(dir, socketName), time.Second); err == nil {
		conn.Close()
		return fmt.Errorf("a jitgit server is running on %s; stop it first (a migration copies one consistent state)", dir)
	}
	ctx := c.Context
	src, err := badgerstore.Open(filepath.Join(dir, "db"), badgerstore.Options{})
	if err != nil {
		return fmt.Errorf("open the database in %s: %w (stop the jitgit server that uses it first)", dir, err)
	}
	defer src.Close()
	if err := src.Events().Verify(ctx); err != nil {
		return fmt.Errorf("the audit trail in %s does not verify, so it is not copied: %w", dir, err)
	}
	cli, err := dialEtcd(ctx, target)
	if err != nil {
		return err
	}
	defer cli.Close()
	empty, err := etcdstore.Empty(ctx, cli, target.Prefix)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("etcd already holds keys under %s; migrate into an empty prefix (?prefix=/other/)", target.Prefix)
	}
	dst, err := etcdstore.Open(ctx, cli, etcdstore.Options{Prefix: target.Prefix, RequestTimeout: target.RequestTimeout, MaxTxnOps: target.MaxTxnOps})
	if err != nil {
		return err
	}
	defer dst.Close()

	total := 0
	if err := src.EachRecord(ctx, func(_, _ []byte) error { total++; return nil }); err != nil {
		return fmt.Errorf("count the records in %s: %w", dir, err)
	}
	var bar *progressbar.ProgressBar
	if !c.Bool("json") && term.IsTerminal(int(os.Stderr.Fd())) {
		bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetDescription("copying"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	im := dst.NewImporter()
	err = src.EachRecord(ctx, func(k, v []byte) error {
		if bar != nil {
			_ = bar.Add(1)
		}
		return im.Put(ctx, k, v)
	})
	if err == nil {
		err = im.Finish(ctx)
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("copy into etcd under %s: %w (the prefix now holds part of the copy: delete it with etcdctl del --prefix %s before trying again)",
			target.Prefix, err, target.Prefix)
	}
	if err := dst.Events().Verify(ctx); err != nil {
		return fmt.Errorf("the copied audit trail does not verify on etcd: %w", err)
	}
	var last uint64
	if err := dst.Events().Scan(ctx, 0, true, func(e audit.Event) bool { last = e.Seq; return false }); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, migrateSummary{Records: im.Records, Events: last, To: strings.Join(target.Endpoints, ","), Prefix: target.Prefix})
	}
	return nil
}
