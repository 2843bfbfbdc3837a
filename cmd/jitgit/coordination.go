package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/service"
)

// The once-only jobs, by their names in the elections.
const (
	jobMirrors  = "mirror-scheduler"
	jobSweeper  = "request-sweeper"
	jobWebhooks = "webhooks"
)

var clusterJobs = []string{jobMirrors, jobSweeper, jobWebhooks}

// coordination is how this node works with the other nodes of its store:
// on etcd, through the cluster package; on Badger, as the only node.
type coordination struct {
	node     cluster.Node
	elector  cluster.Elector
	registry cluster.Registry
	// locks serialises the pushes and fetches of a repository across the
	// nodes; nil on one node, where git's ref locking suffices.
	locks interface {
		LockRepo(ctx context.Context, repo string) (func(), error)
	}
	// limiters makes the sign-in throttles, shared by the nodes on etcd.
	limiters ratelimit.NewLimiter
	// shared says the repositories are on storage other nodes write.
	shared   bool
	reporter cluster.Reporter
	keys     []api.CheckpointKey
	trusted  map[string]bool // key ids
}

// newCoordination returns the coordination of this node: with client (the
// store's etcd; nil on Badger) the cluster's, under prefix, else that of
// a single node. lag, when not nil, is the store's watch lag for the status.
func newCoordination(client *clientv3.Client, prefix string, cfg Config, signer *audit.Signer, lag cluster.WatchLagger, now func() time.Time, log *slog.Logger) *coordination {
	pub := signer.Public()
	c := &coordination{
		node: cluster.Node{Name: cfg.Cluster.nodeName(), Address: cfg.Cluster.Advertise, Version: buildVersion(), Started: now().UTC(),
			AuditKey: string(audit.PublicKeyPEM(pub)), AuditKeyID: audit.KeyID(pub)},
		keys:    []api.CheckpointKey{{ID: audit.KeyID(pub), PEM: string(audit.PublicKeyPEM(pub)), Source: "this node"}},
		trusted: map[string]bool{audit.KeyID(pub): true},
	}
	if c.node.Address == "" {
		c.node.Address = cfg.PublicURL
	}
	for i, k := range cfg.Cluster.AuditKeys {
		id := audit.KeyID(k)
		c.keys = append(c.keys, api.CheckpointKey{ID: id, PEM: string(audit.PublicKeyPEM(k)), Source: cfg.Cluster.AuditKeyFiles[i]})
		c.trusted[id] = true
	}
	if client == nil {
		solo := cluster.NewSolo(c.node)
		c.elector, c.registry, c.limiters = solo, solo, ratelimit.InMemory(now)
	} else {
		opts := cluster.Options{TTL: cfg.Cluster.LeaseTTL, Log: log}
		// Beside the store's own keys, under its prefix.
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		prefix += "cluster/"
		c.elector = cluster.NewElections(client, prefix, c.node.Name, opts)
		c.registry = cluster.NewNodeRegistry(client, prefix, now, opts)
		c.locks = cluster.NewRepoLocks(client, prefix, opts)
		c.limiters = cluster.NewThrottles(client, prefix, now, opts)
		c.shared = true
	}
	c.reporter = cluster.Reporter{Node: c.node.Name, Registry: c.registry, Elector: c.elector, Jobs: clusterJobs, Client: client, Lag: lag, Now: now}
	return c
}

// lead runs job whenever this node leads it.
func (c *coordination) lead(name string, job func(ctx context.Context)) func(ctx context.Context) error {
	return func(ctx context.Context) error { c.elector.Lead(ctx, name, job); return nil }
}

// keep keeps this node in the registry until ctx ends.
func (c *coordination) keep(ctx context.Context) error { return c.registry.Keep(ctx, c.node) }

// status answers GET /api/v1/cluster.
func (c *coordination) status(ctx context.Context) (api.ClusterStatus, error) {
	st, err := c.reporter.Status(ctx)
	if err != nil {
		return api.ClusterStatus{}, fmt.Errorf("cluster status: %w", err)
	}
	out := api.ClusterStatus{Backend: st.Backend, Node: st.Node, Keys: c.keys}
	for _, n := range st.Nodes {
		out.Nodes = append(out.Nodes, api.ClusterNode{Name: n.Name, Address: n.Address, Version: n.Version, Started: n.Started, LastSeen: n.LastSeen,
			AuditKeyID: n.AuditKeyID, Trusted: c.trusted[n.AuditKeyID]})
	}
	for _, j := range st.Jobs {
		out.Jobs = append(out.Jobs, api.JobLeader{Job: j.Job, Leader: j.Leader})
	}
	for _, e := range st.Endpoints {
		out.Store = append(out.Store, api.StoreMember{Endpoint: e.Endpoint, Healthy: e.Healthy, Leader: e.IsLeader, Version: e.Version,
			RaftIndex: e.RaftIndex, RaftTerm: e.RaftTerm, DBSize: e.DBSize, Error: e.Error})
	}
	if st.Watch != nil {
		out.Watch = &api.WatchLag{Revision: st.Watch.Revision, Behind: st.Watch.Behind, AgeSeconds: st.Watch.Age.Seconds()}
	}
	return out, nil
}

// lockedPurger purges a repository under its cluster lock, so that a gc
// never runs while another node pushes to it or purges it.
type lockedPurger struct {
	purger service.RepoPurger
	locks  interface {
		LockRepo(ctx context.Context, repo string) (func(), error)
	}
}

func (p lockedPurger) Purge(ctx context.Context, name string) (service.PurgeResult, error) {
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	unlock, err := p.locks.LockRepo(lctx, name)
	cancel()
	if err != nil {
		return service.PurgeResult{}, fmt.Errorf("purge %s: %w", name, err)
	}
	defer unlock()
	return p.purger.Purge(ctx, name)
}

// buildVersion is the module version and commit this binary was built
// from, as far as the build recorded them.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	if i := slices.IndexFunc(bi.Settings, func(s debug.BuildSetting) bool { return s.Key == "vcs.revision" }); i >= 0 {
		rev := bi.Settings[i].Value
		v += " " + rev[:min(12, len(rev))]
	}
	return v
}
