package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/service"
)

// Names of the checkpoint signing key and its public half in the data
// directory.
const (
	auditKeyName    = "audit-signing.key"
	auditPubKeyName = "audit-signing.pub"
)

// auditSigner loads the checkpoint signing key: the configured file, which
// must exist, or the data directory's, made on first start. It writes the
// public key beside the data directory's key for auditors to copy.
func auditSigner(cfg Config) (*audit.Signer, error) {
	path, create := cfg.AuditKey, false
	if path == "" {
		path, create = filepath.Join(cfg.Data, auditKeyName), true
	}
	key, err := audit.LoadSigningKey(path, create)
	if err != nil {
		return nil, fmt.Errorf("%w (audit_signing_key in the config)", err)
	}
	signer := audit.NewSigner(key)
	pub := filepath.Join(cfg.Data, auditPubKeyName)
	if err := os.WriteFile(pub, audit.PublicKeyPEM(signer.Public()), 0o644); err != nil {
		return nil, fmt.Errorf("audit public key: %w", err)
	}
	return signer, nil
}

// verifyAtStart checks the audit chain from its last signed checkpoint and
// refuses to start on a broken one: a server that went on appending to a
// rewritten trail would sign the rewrite. A chain that verifies gets a
// checkpoint of its head.
func verifyAtStart(ctx context.Context, svc *service.Service, trail *audit.Log, log *slog.Logger) error {
	head, err := svc.VerifyAuditAtStart(ctx)
	if err != nil {
		return fmt.Errorf("refusing to serve: %w; the last event that verified is %d. "+
			"A database restored from another data directory needs that directory's %s here (or audit_signing_key in the config); "+
			"otherwise restore the database from a backup, or move it away and keep it for the investigation", err, head.Seq, auditKeyName)
	}
	log.Info("audit trail verified from its last checkpoint", "from", head.From, "to", head.Seq, "checkpoints", head.Checkpoints)
	if err := trail.Checkpoint(ctx, head.Seq, head.Hash); err != nil {
		return fmt.Errorf("audit: sign the verified head: %w", err)
	}
	return nil
}
