package etcdtest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BinaryEnv names the environment variable that, when set to the path of
// an etcd binary (Debian's etcd-server: /usr/bin/etcd), makes Start run
// each member as a process of that binary instead of embedding it, with
// the same API: Stop kills the process (SIGKILL, no goodbye), Restart
// starts it again on its data directory and ports.
const BinaryEnv = "JITGIT_ETCD_BINARY"

// external is one member run as an etcd process.
type external struct {
	name, dir    string
	peer, client string // URLs
	args         []string
	mu           sync.Mutex
	cmd          *exec.Cmd // nil when stopped
	done         chan struct{}
	log          *bytes.Buffer
	logMu        sync.Mutex
}

// flags are the member's command line. Election and heartbeat timings,
// snapshots and limits match the embedded members'; the process fsyncs,
// since etcd 3.4 has no --unsafe-no-fsync.
func (m *external) flags(initial string, state string) []string {
	return []string{
		"--name", m.name,
		"--data-dir", m.dir,
		"--listen-peer-urls", m.peer, "--initial-advertise-peer-urls", m.peer,
		"--listen-client-urls", m.client, "--advertise-client-urls", m.client,
		"--initial-cluster", initial,
		"--initial-cluster-token", "etcdtest",
		"--initial-cluster-state", state,
		"--heartbeat-interval", "20", "--election-timeout", "200",
		"--snapshot-count", "1000",
		"--max-txn-ops", strconv.Itoa(MaxTxnOps),
		"--max-request-bytes", strconv.Itoa(MaxRequestBytes),
		"--logger", "zap", "--log-level", "error",
	}
}

func (m *external) Write(p []byte) (int, error) {
	m.logMu.Lock()
	defer m.logMu.Unlock()
	return m.log.Write(p)
}

func (m *external) output() string {
	m.logMu.Lock()
	defer m.logMu.Unlock()
	return m.log.String()
}

// startExternal starts members processes of binary forming one cluster.
func (c *Cluster) startExternal(binary string, members int) {
	tb := c.tb
	tb.Helper()
	c.binary = binary
	var initial []string
	for i := range members {
		peer, client := freeURL(tb), freeURL(tb)
		m := &external{name: fmt.Sprintf("m%d", i), dir: tb.TempDir(), peer: peer.String(), client: client.String(), log: &bytes.Buffer{}}
		c.external = append(c.external, m)
		initial = append(initial, m.name+"="+m.peer)
	}
	for _, m := range c.external {
		m.args = m.flags(strings.Join(initial, ","), "new")
	}
	tb.Cleanup(func() {
		for i := range c.external {
			c.Stop(i)
		}
		if tb.Failed() {
			for _, m := range c.external {
				tb.Logf("etcd member %s (%s):\n%s", m.name, binary, m.output())
			}
		}
	})
	for i := range c.external {
		if err := c.spawn(i); err != nil {
			tb.Fatal(err)
		}
	}
	deadline := time.Now().Add(startTimeout)
	for _, m := range c.external {
		if err := m.waitHealthy(deadline); err != nil {
			tb.Fatalf("etcdtest: %v\n%s", err, m.output())
		}
	}
}

// spawn starts the process of member i.
func (c *Cluster) spawn(i int) error {
	m := c.external[i]
	cmd := exec.Command(c.binary, m.args...)
	cmd.Stdout, cmd.Stderr = m, m
	// The packaged service's settings (/etc/default/etcd, ETCD_* in the
	// environment) must not reach the test's members.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ETCD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("etcdtest: start %s: %w", c.binary, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	m.mu.Lock()
	m.cmd, m.done = cmd, done
	m.mu.Unlock()
	return nil
}

// waitHealthy waits until the member answers /health with a quorum.
func (m *external) waitHealthy(deadline time.Time) error {
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(m.client + "/health")
		if err == nil {
			ok := resp.StatusCode == http.StatusOK
			resp.Body.Close()
			if ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("member %s not healthy after %v: %v", m.name, startTimeout, err)
		}
		m.mu.Lock()
		done := m.done
		m.mu.Unlock()
		select {
		case <-done:
			return fmt.Errorf("member %s exited at start", m.name)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitListening waits until the member accepts connections on its client
// port: with the others down it can have no quorum to be healthy with.
func (m *external) waitListening(deadline time.Time) error {
	host := strings.TrimPrefix(m.client, "http://")
	for {
		if conn, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("member %s not listening after %v", m.name, startTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Cluster) stopExternal(i int) {
	m := c.external[i]
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		<-done
	}
}

func (c *Cluster) restartExternal(i int) {
	c.tb.Helper()
	m := c.external[i]
	m.mu.Lock()
	running := m.cmd != nil
	m.mu.Unlock()
	if running {
		return
	}
	m.args = m.flags(m.initialCluster(), "existing")
	if err := c.spawn(i); err != nil {
		c.tb.Fatal(err)
	}
	if err := m.waitListening(time.Now().Add(startTimeout)); err != nil {
		c.tb.Fatalf("etcdtest: %v\n%s", err, m.output())
	}
}

// initialCluster is the --initial-cluster the member was first started
// with.
func (m *external) initialCluster() string {
	for i, a := range m.args {
		if a == "--initial-cluster" {
			return m.args[i+1]
		}
	}
	return ""
}
