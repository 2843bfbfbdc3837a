package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

func backupCommand() *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "write a snapshot of the database (users, grants, requests, audit trail) to FILE, or - for stdout",
		ArgsUsage: "FILE|-",
		Action:    backup,
	}
}

func restoreCommand() *cli.Command {
	return &cli.Command{
		Name:      "restore",
		Usage:     "load a backup into the empty database of --data DIR (the server must be stopped)",
		ArgsUsage: "FILE",
		Action:    restore,
	}
}

// backup streams the server's snapshot into a new file (mode 0600: it holds
// every secret's hash) that appears only once complete.
func backup(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	dst := c.Args().First()
	if dst == "-" {
		return client.download(c.Context, "/api/v1/backup", c.App.Writer)
	}
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("%s exists; name a new file", dst)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".jitgit-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := client.download(c.Context, "/api/v1/backup", tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A hard link never replaces an existing file, so a file that appeared
	// at dst meanwhile is left alone.
	if err := os.Link(tmp.Name(), dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// restore loads a backup straight into Badger. Only one process may open
// the database, so it refuses while a server answers on the socket, and it
// refuses a database that already holds users: a restore never merges.
func restore(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	data := c.String("data")
	if conn, err := net.DialTimeout("unix", filepath.Join(data, socketName), time.Second); err == nil {
		conn.Close()
		return errors.New("a jitgit server is running on this data directory; stop it first")
	}
	f, err := os.Open(c.Args().First())
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	db, err := badgerstore.Open(filepath.Join(data, "db"), badgerstore.Options{})
	if err != nil {
		return fmt.Errorf("open the database in %s: %w", data, err)
	}
	defer db.Close()
	ctx := context.Background()
	var users []auth.User
	err = db.View(ctx, func(tx storage.Tx) error {
		var err error
		users, err = tx.Users().List()
		return err
	})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("the database in %s is not empty (%d users); restore into a new --data directory", data, len(users))
	}
	if err := db.Load(io.Reader(f)); err != nil {
		return err
	}
	return db.Events().Verify(ctx)
}
