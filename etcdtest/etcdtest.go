// Package etcdtest starts embedded etcd members inside a test process, on
// loopback with free ports and temporary directories, for the tests of the
// etcd store and of several jitgit nodes. The members write without fsync
// (UnsafeNoFsync) and snapshot often: settings for tests only, never for a
// server.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// MaxTxnOps and MaxRequestBytes are the limits the members are started
// with: generous, so that the tests exercise jitgit's own bounds.
const (
	MaxTxnOps       = 4096
	MaxRequestBytes = 8 << 20
)

// startTimeout bounds how long a member may take to become ready.
const startTimeout = 30 * time.Second

// Cluster is a running set of embedded etcd members.
type Cluster struct {
	tb      testing.TB
	mu      sync.Mutex
	cfgs    []*embed.Config
	members []*embed.Etcd // nil when stopped
	// binary and external are the members run as processes (BinaryEnv).
	binary   string
	external []*external
}

// Start starts members embedded etcd members (1 or 3, usually) forming
// one cluster, and stops them when the test ends. With BinaryEnv set the
// members are processes of that etcd binary instead.
func Start(tb testing.TB, members int) *Cluster {
	tb.Helper()
	if members < 1 {
		tb.Fatalf("etcdtest: %d members", members)
	}
	if binary := os.Getenv(BinaryEnv); binary != "" {
		c := &Cluster{tb: tb}
		c.startExternal(binary, members)
		return c
	}
	c := &Cluster{tb: tb, cfgs: make([]*embed.Config, members), members: make([]*embed.Etcd, members)}
	var initial []string
	for i := range members {
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = tb.TempDir()
		peer, client := freeURL(tb), freeURL(tb)
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
		cfg.UnsafeNoFsync = true
		cfg.SnapshotCount = 1000
		cfg.MaxTxnOps = MaxTxnOps
		cfg.MaxRequestBytes = MaxRequestBytes
		cfg.InitialClusterToken = "etcdtest"
		// Short elections, so that losing a member costs the tests little.
		cfg.TickMs = 20
		cfg.ElectionMs = 200
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
		c.cfgs[i] = cfg
		initial = append(initial, cfg.Name+"="+peer.String())
	}
	for _, cfg := range c.cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
	}
	tb.Cleanup(func() {
		for i := range c.members {
			c.Stop(i)
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, members)
	for i := range members {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.start(i) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// freeURL is a loopback URL on a port free at the time of the call.
func freeURL(tb testing.TB) url.URL {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return url.URL{Scheme: "http", Host: l.Addr().String()}
}

func (c *Cluster) start(i int) error {
	e, err := embed.StartEtcd(c.cfgs[i])
	if err != nil {
		return fmt.Errorf("etcdtest: start member %d: %w", i, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return fmt.Errorf("etcdtest: member %d: %w", i, err)
	case <-time.After(startTimeout):
		e.Close()
		return fmt.Errorf("etcdtest: member %d not ready after %v", i, startTimeout)
	}
	c.mu.Lock()
	c.members[i] = e
	c.mu.Unlock()
	return nil
}

// Endpoints are the client URLs of every member, stopped or not.
func (c *Cluster) Endpoints() []string {
	var out []string
	for _, m := range c.external {
		out = append(out, m.client)
	}
	for _, cfg := range c.cfgs {
		out = append(out, cfg.AdvertiseClientUrls[0].String())
	}
	return out
}

// Client is a client of every member, closed when the test ends.
func (c *Cluster) Client(tb testing.TB) *clientv3.Client {
	tb.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// Stop stops member i; stopping a stopped member does nothing.
func (c *Cluster) Stop(i int) {
	if c.external != nil {
		c.stopExternal(i)
		return
	}
	c.mu.Lock()
	e := c.members[i]
	c.members[i] = nil
	c.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// Restart starts the stopped member i again, on its directory and ports.
// With the others down it returns once the member is listening, without
// waiting for a quorum it cannot have.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	if c.external != nil {
		c.restartExternal(i)
		return
	}
	c.mu.Lock()
	running := c.members[i] != nil
	c.mu.Unlock()
	if running {
		return
	}
	c.cfgs[i].ClusterState = embed.ClusterStateFlagExisting
	e, err := embed.StartEtcd(c.cfgs[i])
	if err != nil {
		c.tb.Fatalf("etcdtest: restart member %d: %v", i, err)
	}
	c.mu.Lock()
	c.members[i] = e
	c.mu.Unlock()
}
