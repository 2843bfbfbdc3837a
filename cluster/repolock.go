package cluster

import (
	"context"
	"fmt"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// RepoLocks serialises the ref updates of a repository across the nodes:
// one concurrency.Mutex per repository under <prefix>locks/repo/<name>,
// each held on a session (lease) of its own, so a node that dies releases
// its locks within the lease TTL and two holders in one process never
// share a lease (a Mutex takes a key its session already holds as held).
// It implements server.RepoLocker.
type RepoLocks struct {
	client *clientv3.Client
	prefix string
	opts   Options
}

// NewRepoLocks returns the repository locks under prefix.
func NewRepoLocks(client *clientv3.Client, prefix string, o Options) *RepoLocks {
	return &RepoLocks{client: client, prefix: keyPrefix(prefix) + "locks/repo/", opts: o}
}

// LockRepo waits for the lock of repo until ctx ends, and returns the
// function that releases it (safe to call more than once). The lock is
// also released when the lease lapses: when this process dies or loses
// etcd for longer than the TTL.
func (l *RepoLocks) LockRepo(ctx context.Context, repo string) (unlock func(), err error) {
	sess, err := newSession(ctx, l.client, l.opts.ttlSeconds())
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", repo, err)
	}
	m := concurrency.NewMutex(sess, l.prefix+repo)
	if err := m.Lock(ctx); err != nil {
		sess.Close()
		return nil, fmt.Errorf("lock %s: %w (another push to it is still running)", repo, err)
	}
	return sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		_ = m.Unlock(ctx)
		sess.Close() // revokes the lease: the key goes even if Unlock failed
	}), nil
}
