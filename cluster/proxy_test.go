package cluster_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/jitgit/jitgit/etcdtest"
)

// cuttable is a TCP proxy in front of an etcd member: cutting it drops
// every connection and refuses new ones, as when a node's machine dies or
// is cut off: no revoke, no goodbye, its leases lapse on their own.
type cuttable struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	cut   bool
}

// dyingClient returns a client of c that reaches it only through a proxy,
// and the function that cuts the proxy.
func dyingClient(t *testing.T, c *etcdtest.Cluster) (*clientv3.Client, func()) {
	t.Helper()
	target := strings.TrimPrefix(c.Endpoints()[0], "http://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttable{ln: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			if p.cut {
				in.Close()
				out.Close()
			}
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { io.Copy(out, in); out.Close() }()
			go func() { io.Copy(in, out); in.Close() }()
		}
	}()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"http://" + ln.Addr().String()}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	cut := func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.cut = true
		ln.Close()
		for _, c := range p.conns {
			c.Close()
		}
	}
	t.Cleanup(func() { cut(); cli.Close() })
	return cli, cut
}
