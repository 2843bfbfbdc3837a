//go:build jitgit_testclock

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
)

// This file exists only in builds with the jitgit_testclock tag, which the
// end-to-end tests make: it lets a test advance the server's clock instead
// of sleeping out a grant. A normal build has none of it (clock.go).

const (
	// clockSocket, in the data directory, takes "advance DURATION" lines.
	// It is a socket of its own, not a route of the admin API, so that the
	// API is the same in every build.
	clockSocket = "clock.sock"
	// clockFile keeps the offset, so a restarted server does not go back in
	// time and revive grants that had ended.
	clockFile = "clock.offset"
)

// testClock is real time plus an offset that only grows.
type testClock struct {
	offset atomic.Int64 // nanoseconds
	mu     sync.Mutex   // serializes advances and their writes to file
	file   string
}

func (c *testClock) now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// advance moves the clock forward by d and returns the new offset. It
// returns after the offset is in effect, so the very next request sees it.
func (c *testClock) advance(d time.Duration) (time.Duration, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	off := time.Duration(c.offset.Load()) + d
	tmp := c.file + ".tmp"
	if err := os.WriteFile(tmp, []byte(off.String()+"\n"), 0o600); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, c.file); err != nil {
		return 0, err
	}
	c.offset.Store(int64(off))
	return off, nil
}

// serverClock returns a clock that `jitgit debug clock advance` moves,
// listening on the data directory's clock socket until ctx ends.
func serverClock(ctx context.Context, data string, log *slog.Logger) (func() time.Time, error) {
	c := &testClock{file: filepath.Join(data, clockFile)}
	if b, err := os.ReadFile(c.file); err == nil {
		off, err := time.ParseDuration(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("test clock: %s: %w", c.file, err)
		}
		c.offset.Store(int64(off))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("test clock: %w", err)
	}
	path := filepath.Join(data, clockSocket)
	ln, err := listenSocket(path)
	if err != nil {
		return nil, fmt.Errorf("test clock: %w", err)
	}
	log.Warn("this is a test build: its clock can be moved through " + path + "; never run it for real")
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(conn)
		}
	}()
	return c.now, nil
}

// serve answers one "advance DURATION" line with "ok OFFSET" or
// "error: WHY".
func (c *testClock) serve(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, 256)).ReadString('\n')
	if err != nil {
		return
	}
	reply := func() string {
		arg, ok := strings.CutPrefix(strings.TrimSpace(line), "advance ")
		if !ok {
			return "error: want \"advance DURATION\""
		}
		d, err := auth.ParseDuration(arg, 0)
		if err != nil {
			return "error: " + err.Error()
		}
		off, err := c.advance(d)
		if err != nil {
			return "error: " + err.Error()
		}
		return "ok " + off.String()
	}()
	fmt.Fprintln(conn, reply)
}

// sweepInterval is short so that a test sees a pending request lapse soon
// after it advances the clock.
const sweepInterval = 100 * time.Millisecond

// decisionPoll is short so that a test waiting with `request create --wait`
// goes on soon after the decision.
const decisionPoll = 100 * time.Millisecond

// mirrorTick is short so that a test sees a mirror fetched soon after it
// advances the clock past its next fetch.
const mirrorTick = 100 * time.Millisecond

// debugCommands are the hidden commands of the test build.
func debugCommands() []*cli.Command {
	return []*cli.Command{{
		Name:   "debug",
		Usage:  "test build only: move the server's clock",
		Hidden: true,
		Subcommands: []*cli.Command{{
			Name:  "clock",
			Usage: "the server's clock",
			Subcommands: []*cli.Command{{
				Name:      "advance",
				Usage:     "move the clock of the server on --data forward by DURATION",
				ArgsUsage: "DURATION",
				Action:    clockAdvance,
			}},
		}, debugAuditCommand()},
	}}
}

func clockAdvance(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	path := filepath.Join(c.String("data"), clockSocket)
	conn, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return fmt.Errorf("no test clock at %s (is a jitgit_testclock build serving this data directory?): %w", path, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(conn, "advance %s\n", c.Args().First()); err != nil {
		return err
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("test clock: %w", err)
	}
	reply = strings.TrimSpace(reply)
	if off, ok := strings.CutPrefix(reply, "ok "); ok {
		_, err := fmt.Fprintln(c.App.Writer, off)
		return err
	}
	return errors.New(strings.TrimPrefix(reply, "error: "))
}
