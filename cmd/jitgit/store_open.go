package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
	"github.com/jitgit/jitgit/storage/etcdstore"
)

// openStore opens the backend cfg.Store names: Badger in <data>/db, or
// etcd. close releases it (and the etcd client). etcd is the store's etcd
// client, for the coordination of the nodes, and nil on Badger.
func openStore(ctx context.Context, cfg Config, log *slog.Logger, now func() time.Time) (db storage.Store, etcd *clientv3.Client, close func() error, err error) {
	switch cfg.Store.Backend {
	case backendEtcd:
		cli, err := dialEtcd(ctx, cfg.Store)
		if err != nil {
			return nil, nil, nil, err
		}
		edb, err := etcdstore.Open(ctx, cli, etcdstore.Options{Prefix: cfg.Store.Prefix, RequestTimeout: cfg.Store.RequestTimeout,
			MaxTxnOps: cfg.Store.MaxTxnOps, Now: now})
		if err != nil {
			cli.Close()
			return nil, nil, nil, err
		}
		return edb, cli, func() error { return errors.Join(edb.Close(), cli.Close()) }, nil
	default:
		bdb, err := badgerstore.Open(filepath.Join(cfg.Data, "db"), badgerstore.Options{Logger: log, Now: now})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("open database in %s: %w (is another jitgit serve running on this data directory?)", cfg.Data, err)
		}
		return bdb, nil, bdb.Close, nil
	}
}

// reposDir is the repository directory: repos, or <data>/repos.
func reposDir(cfg Config) string {
	if cfg.Repos != "" {
		return cfg.Repos
	}
	return filepath.Join(cfg.Data, "repos")
}
