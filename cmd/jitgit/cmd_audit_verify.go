package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

func auditVerifyCommand() *cli.Command {
	return &cli.Command{
		Name: "verify",
		Usage: "check the audit trail's hash chain and signed checkpoints; prints the last event checked for you to note (exit 1 when broken). " +
			"With --public-key the check runs here, on an export (--file) or on one streamed from the server",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "public-key", Usage: "the server's checkpoint `FILE` (audit-signing.pub): verify here, trusting only this key; " +
				"repeat it for each node of a cluster (jitgit audit keys lists them)"},
			&cli.StringFlag{Name: "file", Usage: "an export `FILE` (jitgit audit export; - for standard input) to verify offline; needs --public-key"},
			&cli.BoolFlag{Name: "offline", Usage: "verify the database of --data directly (the server must be stopped), with --public-key or the data directory's audit-signing.pub"},
			&cli.Uint64Flag{Name: "checkpoint-every", Usage: "with --offline: the server's audit_checkpoint_every `N`, so that removed checkpoints are found (0: not checked)"},
			jsonFlag,
		},
		Action: auditVerify,
	}
}

func auditVerify(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	if c.Bool("offline") {
		return verifyOffline(c)
	}
	if len(c.StringSlice("public-key")) == 0 {
		if c.String("file") != "" {
			return errors.New("--file needs --public-key: the server's audit-signing.pub, to check the export's checkpoints")
		}
		head, err := ask(c, api.VerifyAudit, nil, api.None{})
		if err != nil {
			return err
		}
		return printHead(c, head)
	}
	pub, err := readPublicKeys(c.StringSlice("public-key"))
	if err != nil {
		return err
	}
	var in io.Reader
	switch f := c.String("file"); f {
	case "-":
		in = os.Stdin
	case "":
		// Stream an export from the server and check it here.
		client, err := newClient(c)
		if err != nil {
			return err
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(client.download(c.Context, "/api/v1/audit/export", pw)) }()
		defer pr.Close()
		in = pr
	default:
		fh, err := os.Open(f)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer fh.Close()
		in = fh
	}
	head, err := verifyExport(in, pub)
	if err != nil {
		return err
	}
	return printHead(c, head)
}

// verifyOffline verifies a stopped server's database in place, writing
// nothing.
func verifyOffline(c *cli.Context) error {
	data := c.String("data")
	if conn, err := net.DialTimeout("unix", filepath.Join(data, socketName), time.Second); err == nil {
		conn.Close()
		return errors.New("a jitgit server is running on this data directory: run audit verify without --offline")
	}
	keyFiles := c.StringSlice("public-key")
	if len(keyFiles) == 0 {
		keyFiles = []string{filepath.Join(data, auditPubKeyName)}
	}
	pub, err := readPublicKeys(keyFiles)
	if err != nil {
		return err
	}
	db, err := badgerstore.Open(filepath.Join(data, "db"), badgerstore.Options{})
	if err != nil {
		return fmt.Errorf("open the database in %s: %w", data, err)
	}
	defer db.Close()
	head, err := service.VerifyTrailKeys(c.Context, db, pub, c.Uint64("checkpoint-every"), false)
	if err != nil {
		return fmt.Errorf("%w (the last event that verified is %d)", err, head.Seq)
	}
	return printHead(c, viewHead(head))
}

func viewHead(h service.AuditHead) api.AuditHead {
	return api.AuditHead{Seq: h.Seq, Hash: h.Hash, From: h.From, Events: h.Events, Checkpoints: h.Checkpoints, LastCheckpoint: h.LastCheckpoint}
}

func printHead(c *cli.Context, head api.AuditHead) error {
	return emit(c, head, func(head api.AuditHead) error {
		// The first line is what scripts have read since the first release.
		_, err := fmt.Fprintf(c.App.Writer, "intact: %d events, head %s\nchecked events %d to %d; %d signed checkpoints, the last at event %d\n",
			head.Seq, head.Hash, head.From, head.Seq, head.Checkpoints, head.LastCheckpoint)
		return err
	})
}

// readPublicKeys reads the PEM public keys in files.
func readPublicKeys(files []string) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		pub, err := audit.ParsePublicKey(b)
		if err != nil {
			return nil, fmt.Errorf("public key %s: %w", f, err)
		}
		keys = append(keys, pub)
	}
	return keys, nil
}

// maxExportLine bounds one line of an export: an event is a few KiB at
// most.
const maxExportLine = 1 << 20

// verifyExport checks an export (JSON lines, api.ExportLine) with pub,
// one line at a time, and returns the last event it checked. An error
// names the line and the event.
func verifyExport(r io.Reader, keys []ed25519.PublicKey) (api.AuditHead, error) {
	v := &audit.Verifier{Keys: keys}
	br := bufio.NewReaderSize(r, 64<<10)
	head := func() api.AuditHead {
		var h api.AuditHead
		if e, ok := v.Last(); ok {
			h.Seq, h.Hash = e.Seq, e.Hash
		}
		n, cps, last := v.Checked()
		h.Events, h.Checkpoints, h.LastCheckpoint = n, cps, last.Seq
		if n > 0 {
			h.From = h.Seq - n + 1
		}
		return h
	}
	for line := 1; ; line++ {
		b, err := readExportLine(br)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return head(), fmt.Errorf("export line %d: %w", line, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var l api.ExportLine
		if err := json.Unmarshal(b, &l); err != nil {
			return head(), fmt.Errorf("export line %d: %w", line, err)
		}
		if l.Checkpoint != nil {
			cp := l.Checkpoint
			err = v.Checkpoint(audit.Checkpoint{Seq: cp.Seq, Hash: cp.Hash, Time: cp.Time, Key: cp.Key, Signature: cp.Signature})
		} else {
			e := l.Event
			err = v.Event(audit.Event{Seq: e.Seq, Time: e.Time, Actor: e.Actor, Remote: e.Remote, Transport: e.Transport,
				Action: e.Action, Repo: e.Repo, Target: e.Target, Result: e.Result, Grant: e.Grant, Policy: e.Policy,
				Request: e.Request, Detail: e.Detail, Prev: e.Prev, Hash: e.Hash, HashVersion: e.HashVersion})
		}
		if err != nil {
			return head(), fmt.Errorf("export line %d: %w", line, err)
		}
	}
	if err := v.Finish(); err != nil {
		return head(), err
	}
	if _, ok := v.Last(); !ok {
		return head(), errors.New("the export holds no events")
	}
	return head(), nil
}

// readExportLine returns the next line without its newline, refusing one longer
// than maxExportLine.
func readExportLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		out = append(out, chunk...)
		if len(out) > maxExportLine {
			return nil, fmt.Errorf("longer than %d bytes: not an audit export", maxExportLine)
		}
		switch {
		case err == nil:
			return out[:len(out)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(out) > 0:
			return out, nil
		default:
			return nil, err
		}
	}
}
