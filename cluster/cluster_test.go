package cluster_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

// testTTL is the lease of the tests: the shortest etcd takes.
const testTTL = time.Second

var testOpts = cluster.Options{TTL: testTTL}

// eventually polls cond until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		<-tick.C
	}
	return time.Since(start)
}

// leaders counts the jobs running now, per node, for a test's electors.
type leaders struct {
	mu      sync.Mutex
	running map[string]int
	ended   map[string]int
	total   int // jobs running now, all nodes
	most    int // the most ever running at once
}

func newLeaders() *leaders { return &leaders{running: map[string]int{}, ended: map[string]int{}} }

func (l *leaders) job(node string) func(ctx context.Context) {
	return func(ctx context.Context) {
		l.mu.Lock()
		l.running[node]++
		l.total++
		l.most = max(l.most, l.total)
		l.mu.Unlock()
		<-ctx.Done()
		l.mu.Lock()
		l.total--
		l.running[node]--
		l.ended[node]++
		l.mu.Unlock()
	}
}

// who returns the nodes running the job now.
func (l *leaders) who() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for n, c := range l.running {
		for range c {
			out = append(out, n)
		}
	}
	return out
}

// mostAtOnce is the most jobs that ever ran at the same time.
func (l *leaders) mostAtOnce() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.most
}

func (l *leaders) endedOn(node string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ended[node]
}

// electors starts one elector per node, each on a client of its own, all
// leading the job "sweeper", and returns the functions that cut each
// node off etcd.
func electors(t *testing.T, c *etcdtest.Cluster, l *leaders, nodes ...string) map[string]func() {
	t.Helper()
	clients := map[string]func(){}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, n := range nodes {
		cli, cut := dyingClient(t, c)
		clients[n] = cut
		e := cluster.NewElections(cli, "jg", n, testOpts)
		wg.Add(1)
		go func() { defer wg.Done(); e.Lead(ctx, "sweeper", l.job(n)) }()
	}
	return clients
}
