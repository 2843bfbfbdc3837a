// Package etcdtest starts real etcd members inside a test process, on
// loopback with free ports and temporary directories, for the tests of
// everything that runs on etcd. The members use test-only settings that
// trade durability for speed (no fsync, short heartbeats): never use them
// for data that matters.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startTimeout bounds how long one member may take to become ready.
const startTimeout = 30 * time.Second

// Cluster is a set of embedded etcd members started by Start. Its methods
// are safe for concurrent use.
type Cluster struct {
	tb      testing.TB
	mu      sync.Mutex
	members []*member
	initial string
}

type member struct {
	name       string
	dir        string
	peer, cli  url.URL
	etcd       *embed.Etcd
	everJoined bool
}

// Start starts members (1 or more) etcd members forming one cluster and
// stops them when the test ends.
func Start(tb testing.TB, members int) *Cluster {
	tb.Helper()
	if members < 1 {
		tb.Fatalf("etcdtest: %d members: need at least one", members)
	}
	c := &Cluster{tb: tb}
	var initial []string
	for i := range members {
		m := &member{name: fmt.Sprintf("m%d", i), dir: tb.TempDir(), peer: freeURL(tb), cli: freeURL(tb)}
		c.members = append(c.members, m)
		initial = append(initial, m.name+"="+m.peer.String())
	}
	c.initial = strings.Join(initial, ",")
	tb.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, m := range c.members {
			if m.etcd != nil {
				m.etcd.Close()
				m.etcd = nil
			}
		}
	})
	// Members of a new cluster wait for each other, so they start together.
	errs := make([]error, members)
	var wg sync.WaitGroup
	for i, m := range c.members {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.start(m, embed.ClusterStateFlagNew) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatalf("etcdtest: %v", err)
		}
	}
	return c
}

// freeURL returns a loopback URL with a port free at the time of asking.
func freeURL(tb testing.TB) url.URL {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("etcdtest: find a free port: %v", err)
	}
	defer ln.Close()
	return url.URL{Scheme: "http", Host: ln.Addr().String()}
}

func (c *Cluster) start(m *member, state string) error {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dir
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{m.peer}, []url.URL{m.peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{m.cli}, []url.URL{m.cli}
	cfg.InitialCluster = c.initial
	cfg.InitialClusterToken = "etcdtest"
	cfg.ClusterState = state
	// Test-only: no fsync, fast heartbeats and elections, small snapshots.
	cfg.UnsafeNoFsync = true
	cfg.TickMs, cfg.ElectionMs = 20, 200
	cfg.SnapshotCount = 1000
	cfg.StrictReconfigCheck = false
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.LogLevel = "error"
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return fmt.Errorf("start member %s: %w", m.name, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return fmt.Errorf("member %s: %w", m.name, err)
	case <-time.After(startTimeout):
		e.Close()
		return fmt.Errorf("member %s not ready within %s", m.name, startTimeout)
	}
	m.etcd, m.everJoined = e, true
	return nil
}

// Endpoints returns the client URLs of every member, stopped ones too.
func (c *Cluster) Endpoints() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.members))
	for i, m := range c.members {
		out[i] = m.cli.String()
	}
	return out
}

// Client returns a client of every member, closed when the test ends.
func (c *Cluster) Client(tb testing.TB) *clientv3.Client {
	tb.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatalf("etcdtest: client: %v", err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// Stop stops member i (from 0); its data stays for Restart.
func (c *Cluster) Stop(i int) {
	c.tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.member(i)
	if m.etcd != nil {
		m.etcd.Close()
		m.etcd = nil
	}
}

// Restart starts member i again, on its old ports and data, after Stop.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.member(i)
	if m.etcd != nil {
		return
	}
	if err := c.start(m, embed.ClusterStateFlagExisting); err != nil {
		c.tb.Fatalf("etcdtest: %v", err)
	}
}

func (c *Cluster) member(i int) *member {
	if i < 0 || i >= len(c.members) {
		c.tb.Fatalf("etcdtest: no member %d of %d", i, len(c.members))
	}
	return c.members[i]
}
