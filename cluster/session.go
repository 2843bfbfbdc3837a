package cluster

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// newSession grants a lease of ttl seconds within ctx and keeps it alive
// until the session is closed. The keep-alive and the revoke at Close do
// not end with ctx: a session closed after ctx ended still revokes its
// lease, so the next holder need not wait for it to lapse.
func newSession(ctx context.Context, client *clientv3.Client, ttl int) (*concurrency.Session, error) {
	g, err := client.Grant(ctx, int64(ttl))
	if err != nil {
		return nil, fmt.Errorf("grant a lease: %w", err)
	}
	s, err := concurrency.NewSession(client, concurrency.WithLease(g.ID), concurrency.WithTTL(ttl), concurrency.WithContext(context.WithoutCancel(ctx)))
	if err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
		defer cancel()
		client.Revoke(rctx, g.ID)
		return nil, fmt.Errorf("keep a lease alive: %w", err)
	}
	return s, nil
}
