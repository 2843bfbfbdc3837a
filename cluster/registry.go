package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Node is what a node says of itself in the registry.
type Node struct {
	Name    string    `json:"name"`
	Address string    `json:"address"`
	Version string    `json:"version"`
	Started time.Time `json:"started"`
	// LastSeen is when the node last refreshed its entry.
	LastSeen time.Time `json:"last_seen"`
	// AuditKey is the PEM public key the node signs audit checkpoints
	// with, and AuditKeyID its audit.KeyID.
	AuditKey   string `json:"audit_key"`
	AuditKeyID string `json:"audit_key_id"`
}

// Registry knows which nodes are up.
type Registry interface {
	// Keep enters n and keeps it entered until ctx ends, then removes it;
	// it returns an error only when n cannot be entered (its name is
	// taken).
	Keep(ctx context.Context, n Node) error
	// Nodes returns the nodes entered now, by name.
	Nodes(ctx context.Context) ([]Node, error)
}

// NodeRegistry is a Registry on etcd: nodes/<name> under a lease of the
// node, gone within the lease TTL of the node's death.
type NodeRegistry struct {
	client *clientv3.Client
	prefix string
	now    func() time.Time
	opts   Options
}

// NewNodeRegistry returns the registry under prefix.
func NewNodeRegistry(client *clientv3.Client, prefix string, now func() time.Time, o Options) *NodeRegistry {
	return &NodeRegistry{client: client, prefix: keyPrefix(prefix) + "nodes/", now: now, opts: o}
}

// ErrNameTaken reports a node name another running node has.
var ErrNameTaken = errors.New("node name in use")

// Keep implements Registry. The entry is refreshed every TTL/2 (LastSeen)
// and entered again on a new lease when its lease is lost. A name held by
// another node is waited for during two TTLs (a node restarting quickly
// finds its old entry still there), then refused; an etcd that does not
// answer is waited for as long as ctx lasts.
func (r *NodeRegistry) Keep(ctx context.Context, n Node) error {
	key := r.prefix + n.Name
	ttl := time.Duration(r.opts.ttlSeconds()) * time.Second
	giveUp := time.Now().Add(2*ttl + time.Second)
	var lease clientv3.LeaseID
	for {
		var err error
		lease, err = r.enter(ctx, key, n)
		if err == nil {
			break
		}
		if errors.Is(err, ErrNameTaken) && time.Now().After(giveUp) {
			return fmt.Errorf("cluster: enter node %q: %w (set node in the [cluster] section of the config to a name of its own)", n.Name, err)
		}
		if !errors.Is(err, ErrNameTaken) && ctx.Err() == nil {
			// etcd unreachable: the store's own checks refuse requests
			// meanwhile; the entry comes when etcd does.
			r.opts.log().Warn("cluster: enter this node in the registry; trying again", "node", n.Name, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(ttl / 4):
		}
	}
	r.keep(ctx, key, n, lease, ttl)
	return nil
}

func (r *NodeRegistry) keep(ctx context.Context, key string, n Node, lease clientv3.LeaseID, ttl time.Duration) {
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
		defer cancel()
		r.client.Revoke(rctx, lease)
	}()
	alive, err := r.client.KeepAlive(ctx, lease)
	t := time.NewTicker(ttl / 2)
	defer t.Stop()
	for {
		if err != nil || alive == nil {
			// The lease is gone (or never kept): enter again, new lease.
			for ctx.Err() == nil {
				if lease, err = r.enter(ctx, key, n); err == nil {
					alive, err = r.client.KeepAlive(ctx, lease)
					break
				}
				r.opts.log().Warn("cluster: registry entry lost; entering again", "node", n.Name, "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(retryWait):
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-alive:
			if !ok {
				alive, err = nil, errors.New("lease lost")
			}
		case <-t.C:
			n.LastSeen = r.now().UTC()
			b, _ := json.Marshal(n)
			cctx, cancel := context.WithTimeout(ctx, callTimeout)
			_, perr := r.client.Put(cctx, key, string(b), clientv3.WithLease(lease))
			cancel()
			if perr != nil && ctx.Err() == nil {
				r.opts.log().Warn("cluster: refresh registry entry", "node", n.Name, "err", perr)
			}
		}
	}
}

// enter puts the entry under a new lease unless another lease holds it.
func (r *NodeRegistry) enter(ctx context.Context, key string, n Node) (clientv3.LeaseID, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	g, err := r.client.Grant(ctx, int64(r.opts.ttlSeconds()))
	if err != nil {
		return 0, err
	}
	n.LastSeen = r.now().UTC()
	b, err := json.Marshal(n)
	if err != nil {
		return 0, err
	}
	resp, err := r.client.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(b), clientv3.WithLease(g.ID))).Commit()
	if err == nil && !resp.Succeeded {
		err = fmt.Errorf("%w: another running node is entered as %q", ErrNameTaken, n.Name)
	}
	if err != nil {
		r.client.Revoke(ctx, g.ID)
		return 0, err
	}
	return g.ID, nil
}

// Nodes implements Registry.
func (r *NodeRegistry) Nodes(ctx context.Context) ([]Node, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := r.client.Get(ctx, r.prefix, clientv3.WithPrefix(), clientv3.WithLimit(maxNodes))
	if err != nil {
		return nil, fmt.Errorf("cluster: list nodes: %w", err)
	}
	out := make([]Node, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var n Node
		if err := json.Unmarshal(kv.Value, &n); err != nil {
			return nil, fmt.Errorf("cluster: node entry %s: %w", kv.Key, err)
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// maxNodes bounds a listing of the registry.
const maxNodes = 1000
