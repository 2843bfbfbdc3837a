package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// Elector runs jobs that must run on one node at a time.
type Elector interface {
	// Lead runs job whenever this node leads the job named name, until
	// ctx ends; the ctx job gets ends when leadership is lost, and Lead
	// waits for job to return before it campaigns again. So job must
	// return soon after its ctx ends, and must be safe to call again.
	Lead(ctx context.Context, name string, job func(ctx context.Context))
	// Leader returns the node leading name now, "" for none.
	Leader(ctx context.Context, name string) (string, error)
}

// Elections is an Elector on etcd: one concurrency.Election per job under
// <prefix>jobs/<name>/, each campaign on a session (lease) of its own.
type Elections struct {
	client *clientv3.Client
	prefix string
	node   string
	opts   Options
}

// NewElections returns the elector of node, with its keys under prefix.
func NewElections(client *clientv3.Client, prefix, node string, o Options) *Elections {
	return &Elections{client: client, prefix: keyPrefix(prefix) + "jobs/", node: node, opts: o}
}

// retryWait is how long a campaign waits after etcd refused it.
const retryWait = time.Second

// Lead implements Elector.
func (e *Elections) Lead(ctx context.Context, name string, job func(ctx context.Context)) {
	for ctx.Err() == nil {
		if err := e.term(ctx, name, job); err != nil && ctx.Err() == nil {
			e.opts.log().Warn("cluster: campaign for a job", "job", name, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(retryWait):
			}
		}
	}
}

// term campaigns once and, when elected, runs job until leadership or ctx
// ends.
func (e *Elections) term(ctx context.Context, name string, job func(ctx context.Context)) error {
	sess, err := newSession(ctx, e.client, e.opts.ttlSeconds())
	if err != nil {
		return err
	}
	defer sess.Close() // revokes the lease: the next node need not wait for it to lapse
	// Campaign waits for the keys before ours to go; a lease of ours that
	// lapses meanwhile must end the wait too.
	held, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	go func() {
		select {
		case <-sess.Done():
			cancel()
		case <-held.Done():
		}
	}()
	el := concurrency.NewElection(sess, e.prefix+name+"/")
	if err := el.Campaign(held, e.node); err != nil {
		if held.Err() != nil && ctx.Err() == nil {
			return errors.New("lease lost while campaigning")
		}
		return fmt.Errorf("campaign: %w", err)
	}
	e.opts.log().Info("cluster: leading a job", "job", name, "node", e.node)
	go e.watchdog(held, cancel, sess.Lease(), el.Key(), el.Rev())
	job(held)
	lost := held.Err() != nil && ctx.Err() == nil
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), callTimeout)
	defer rcancel()
	_ = el.Resign(rctx) // the lease revoke in sess.Close does it too
	if lost {
		e.opts.log().Warn("cluster: lost the lead of a job; it runs on another node now", "job", name, "node", e.node)
	} else if ctx.Err() == nil {
		// The job ended on its own: no campaign loop at full speed.
		select {
		case <-ctx.Done():
		case <-time.After(retryWait):
		}
	}
	return nil
}

// watchdog ends the job when etcd has not confirmed the lease for three
// quarters of its TTL (the client refreshes it every third, in steps of
// half a second). etcd gives the lead away only once the lease has
// lapsed, a full TTL after the last keep-alive it received, so a node cut
// off stops its job a quarter of a TTL before another node can start it,
// rather than at the same moment (when the session notices).
//
// It also ends the job at once when the leader key goes (its lease was
// revoked in etcd, or the key deleted by hand): the next node is told by
// the same kind of watch event, so the two jobs overlap by no more than the
// time the old job takes to return.
func (e *Elections) watchdog(ctx context.Context, cancel context.CancelFunc, lease clientv3.LeaseID, key string, rev int64) {
	// The clock starts before anything that talks to etcd: opening a
	// watch blocks while the client cannot reach etcd, and a node cut off
	// just as it won must still stop within three quarters of the TTL.
	last := time.Now()
	ttl := time.Duration(e.opts.ttlSeconds()) * time.Second
	tick := time.NewTicker(ttl / 12)
	defer tick.Stop()
	alive, err := e.client.KeepAlive(ctx, lease)
	if err != nil {
		cancel()
		return
	}
	gone := make(chan clientv3.WatchResponse)
	go func() {
		defer close(gone)
		for w := range e.client.Watch(ctx, key, clientv3.WithRev(rev+1), clientv3.WithFilterPut()) {
			select {
			case gone <- w:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-alive:
			if !ok {
				cancel()
				return
			}
			last = time.Now()
		case w, ok := <-gone:
			if !ok || w.Err() != nil || len(w.Events) > 0 {
				if ctx.Err() == nil {
					e.opts.log().Warn("cluster: this node's election key went; stopping the job", "node", e.node)
				}
				cancel()
				return
			}
		case <-tick.C:
			if time.Since(last) > ttl*3/4 {
				e.opts.log().Warn("cluster: etcd has not confirmed this node's lease; stopping the job before another node takes it", "node", e.node)
				cancel()
				return
			}
		}
	}
}

// Leader implements Elector: the value of the oldest key of the election.
func (e *Elections) Leader(ctx context.Context, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	r, err := e.client.Get(ctx, e.prefix+name+"/", clientv3.WithFirstCreate()...)
	if err != nil {
		return "", fmt.Errorf("leader of %s: %w", name, err)
	}
	if len(r.Kvs) == 0 {
		return "", nil
	}
	return string(r.Kvs[0].Value), nil
}
