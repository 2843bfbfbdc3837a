package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/cluster"
)

// clusterConfig is the [cluster] section: how this node takes part when
// several share one etcd. On Badger only Node and AuditKeys matter.
type clusterConfig struct {
	// Node is this node's name in the registry and elections (the host
	// name when unset); Advertise the address others reach it at (the
	// public URL when unset).
	Node, Advertise string
	// LeaseTTL is how long after this node dies its jobs and locks pass
	// to another node.
	LeaseTTL time.Duration
	// AuditKeys are the checkpoint public keys of the other nodes, which
	// verify the checkpoints they signed; AuditKeyFiles their files.
	AuditKeys     []ed25519.PublicKey
	AuditKeyFiles []string
}

// clusterFile is the TOML shape of [cluster].
type clusterFile struct {
	Node      string   `toml:"node"`
	Advertise string   `toml:"advertise"`
	LeaseTTL  string   `toml:"lease_ttl"`
	AuditKeys []string `toml:"audit_keys"`
}

// Bounds of cluster.lease_ttl: below a second etcd rounds up anyway, and
// above a minute a dead node holds its jobs too long.
const (
	minLeaseTTL = time.Second
	maxLeaseTTL = time.Minute
)

// applyCluster reads [cluster] into cfg.Cluster.
func (f *fileConfig) applyCluster(cfg *Config) error {
	c := f.Cluster
	cfg.Cluster.Node, cfg.Cluster.Advertise, cfg.Cluster.LeaseTTL = c.Node, c.Advertise, cluster.DefaultTTL
	if c.Node != "" {
		if err := auth.ValidateUserName(c.Node); err != nil {
			return fmt.Errorf("cluster.node %q: %w", c.Node, err)
		}
	}
	if c.LeaseTTL != "" {
		d, err := auth.ParseDuration(c.LeaseTTL, 0)
		if err != nil {
			return fmt.Errorf("cluster.lease_ttl: %w", err)
		}
		if d < minLeaseTTL || d > maxLeaseTTL {
			return fmt.Errorf("cluster.lease_ttl %s: must be between %s and %s", c.LeaseTTL, minLeaseTTL, maxLeaseTTL)
		}
		cfg.Cluster.LeaseTTL = d
	}
	var errs []error
	for i, path := range c.AuditKeys {
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster.audit_keys[%d]: %w", i, err))
			continue
		}
		pub, err := audit.ParsePublicKey(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster.audit_keys[%d] %s: %w", i, path, err))
			continue
		}
		cfg.Cluster.AuditKeys = append(cfg.Cluster.AuditKeys, pub)
		cfg.Cluster.AuditKeyFiles = append(cfg.Cluster.AuditKeyFiles, path)
	}
	return errors.Join(errs...)
}

// nodeName is the configured node name or the host's.
func (c clusterConfig) nodeName() string {
	if c.Node != "" {
		return c.Node
	}
	if h, err := os.Hostname(); err == nil && auth.ValidateUserName(h) == nil {
		return h
	}
	return "jitgit"
}
