package server

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RepoLocker serialises the ref updates of a repository across every
// server that shares the repository directory (cluster.RepoLocks on etcd).
// LockRepo waits until ctx ends for the lock of repo and returns the
// function that releases it; that function must be safe to call twice.
type RepoLocker interface {
	LockRepo(ctx context.Context, repo string) (unlock func(), err error)
}

// Bounds of a push's repository lock: how long a push waits for another
// to land (inside the hook's own timeout, leaving time for the re-check),
// and how long it may hold the lock after its re-check before it is
// released anyway (the ref updates of 5000 refs take seconds).
const (
	lockWait = 20 * time.Second
	lockHold = 2 * time.Minute
)

// LockWith makes every push hold l's lock of its repository from its
// re-check (the pre-receive hook) until receive-pack has exited, so that
// two nodes never re-check and update the refs of one repository at once.
// The lock is released when receive-pack exits, however it ends (a client
// gone kills it), after lockHold at the latest, and by the lease of l when
// this process dies. Call it before the first push; without it, pushes are
// serialised by git's ref locking alone, which suffices on one node.
func (p *Pushes) LockWith(l RepoLocker) { p.locker = l }

// lock takes the repository lock for the registered push id.
func (p *Pushes) lock(ctx context.Context, id, repo string) error {
	if p.locker == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	unlock, err := p.locker.LockRepo(ctx, repo)
	if err != nil {
		return err
	}
	release := sync.OnceFunc(unlock)
	timer := time.AfterFunc(lockHold, release)
	p.mu.Lock()
	defer p.mu.Unlock()
	ps, ok := p.m[id]
	if !ok {
		// receive-pack exited while this waited.
		timer.Stop()
		release()
		return fmt.Errorf("push of %s ended while it waited for the lock", repo)
	}
	ps.unlock = func() { timer.Stop(); release() }
	return nil
}
