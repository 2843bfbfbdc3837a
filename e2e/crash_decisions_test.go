package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
)

// TestKillMidDecisionsKeepsEachAllowedDecision kills the server with
// SIGKILL during a burst of Git decisions (ref advertisements over HTTP,
// each on a connection of its own), twice, and then wants the chain to
// verify (the restart checks it from the last signed checkpoint, and
// audit verify all of it) and every decision a client saw allowed to have
// its access.read allow event, found by the client's address.
func TestKillMidDecisionsKeepsEachAllowedDecision(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	const config = "audit_checkpoint_every = 50\n"
	s := serveIn(t, dir, addr, config)
	s.run(dir, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(dir, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(dir, false, "", "jitgit", "user", "token", "create", "alice")
	token = strings.TrimSpace(token)
	s.run(dir, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "read", "--for", "7d", "--reason", "burst")

	var mu sync.Mutex
	allowed := map[string]bool{} // client addresses that were let in
	for round := range 2 {
		var n atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					var local string
					tr := &http.Transport{DisableKeepAlives: true, DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
						c, err := (&net.Dialer{}).DialContext(ctx, network, a)
						if err == nil {
							local = c.LocalAddr().String()
						}
						return c, err
					}}
					req, _ := http.NewRequest("GET", "http://"+addr+"/acme/payments.git/info/refs?service=git-upload-pack", nil)
					req.SetBasicAuth("alice", token)
					resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
					if err != nil {
						continue
					}
					// Allowed once the advertisement starts: the decision
					// and its event came before the first byte.
					first, rerr := bufio.NewReader(resp.Body).ReadString('\n')
					resp.Body.Close()
					if resp.StatusCode == 200 && rerr == nil && strings.Contains(first, "service=git-upload-pack") {
						mu.Lock()
						allowed[local] = true
						mu.Unlock()
						n.Add(1)
					}
				}
			}()
		}
		at := int64(100 + round*50)
		for deadline := time.Now().Add(time.Minute); n.Load() < at; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: only %d allowed decisions in a minute", round, n.Load())
			}
		}
		if err := s.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-s.done
		close(stop)
		wg.Wait()
		s = serveIn(t, dir, addr, config)
	}
	out, _ := s.run(dir, false, "", "jitgit", "audit", "export", "--action", "access.read", "--result", "allow")
	recorded := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var l api.ExportLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if l.Checkpoint == nil {
			recorded[l.Remote] = true
		}
	}
	missing := 0
	for a := range allowed {
		if !recorded[a] {
			missing++
			if missing < 5 {
				t.Errorf("the decision that let %s in has no access.read allow event", a)
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d allowed decisions have no event", missing, len(allowed))
	}
	verify, _ := s.run(dir, false, "", "jitgit", "audit", "verify")
	if !strings.HasPrefix(verify, "intact: ") {
		t.Errorf("audit verify: %s", verify)
	}
	t.Logf("%d allowed decisions across two kills; %s", len(allowed), strings.TrimSpace(verify))
}
