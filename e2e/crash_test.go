package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
)

// socketClient talks to a server's admin socket, as the CLI does.
func socketClient(data string) *http.Client {
	sock := filepath.Join(data, "jitgit.sock")
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
}

// post sends body to the admin API and reports whether it answered 2xx;
// out, when not nil, receives the answer.
func post(c *http.Client, path string, body, out any) bool {
	b, _ := json.Marshal(body)
	resp, err := c.Post("http://jitgit"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return false
	}
	return out == nil || json.NewDecoder(resp.Body).Decode(out) == nil
}

// TestKillMidChangesKeepsEachChangeWithItsEvent kills the server with
// SIGKILL at random points of a loop of changes (users made, grants made
// and revoked, from several clients at once), three times over, then
// checks the store against the audit trail: every stored change has its
// event, every event its change, every change a client saw succeed is
// stored, and the chain verifies.
func TestKillMidChangesKeepsEachChangeWithItsEvent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := serveIn(t, dir, addr, "")
	s.run(dir, false, "", "jitgit", "repo", "create", "acme/payments")

	var (
		mu      sync.Mutex
		granted = map[string]bool{} // grants a client saw made
		revoked = map[string]bool{} // and revoked
		users   = map[string]bool{} // users a client saw made
	)
	var next atomic.Int64
	for round := range 3 {
		c := socketClient(s.data)
		var done atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					n := next.Add(1)
					name := fmt.Sprintf("u%d", n)
					if !post(c, "/api/v1/users", api.NewUser{Name: name}, nil) {
						continue
					}
					mu.Lock()
					users[name] = true
					mu.Unlock()
					var g api.Grant
					if !post(c, "/api/v1/grants", api.NewGrant{User: name, Repo: "acme/payments", Access: "read", Duration: "1h", Reason: fmt.Sprintf("round %d worker %d", round, w)}, &g) {
						continue
					}
					mu.Lock()
					granted[g.ID] = true
					mu.Unlock()
					if n%2 == 0 && post(c, "/api/v1/grants/"+g.ID+"/revoke", api.GrantEnd{Reason: "done"}, nil) {
						mu.Lock()
						revoked[g.ID] = true
						mu.Unlock()
					}
					done.Add(1)
				}
			}()
		}
		// Kill after a random number of finished change rounds: somewhere
		// in the middle of the next ones.
		at := int64(5 + rand.IntN(30))
		for deadline := time.Now().Add(time.Minute); done.Load() < at; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: only %d changes in a minute", round, done.Load())
			}
		}
		if err := s.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-s.done
		close(stop)
		wg.Wait()
		s = serveIn(t, dir, addr, "")
	}

	var grants []api.Grant
	out, _ := s.run(dir, false, "", "jitgit", "grant", "list", "--all", "--json")
	if err := json.Unmarshal([]byte(out), &grants); err != nil {
		t.Fatalf("grant list: %v\n%s", err, out)
	}
	var events []api.Event
	out, _ = s.run(dir, false, "", "jitgit", "audit", "list", "--json")
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		t.Fatalf("audit list: %v\n%s", err, out)
	}
	var userList []api.User
	out, _ = s.run(dir, false, "", "jitgit", "user", "list", "--json")
	if err := json.Unmarshal([]byte(out), &userList); err != nil {
		t.Fatalf("user list: %v\n%s", err, out)
	}

	created, ended, usersMade := map[string]int{}, map[string]int{}, map[string]int{}
	for _, e := range events {
		switch e.Action {
		case "grant.create":
			created[e.Grant]++
		case "grant.revoke":
			ended[e.Grant]++
		case "user.create":
			usersMade[e.Target]++
		}
	}
	stored := map[string]api.Grant{}
	for _, g := range grants {
		stored[g.ID] = g
		if created[g.ID] != 1 {
			t.Errorf("grant %s is stored with %d grant.create events, want 1", g.ID, created[g.ID])
		}
		if isEnded := g.Ended != nil; isEnded != (ended[g.ID] == 1) || ended[g.ID] > 1 {
			t.Errorf("grant %s: ended=%t but %d grant.revoke events", g.ID, isEnded, ended[g.ID])
		}
	}
	for id := range created {
		if _, ok := stored[id]; !ok {
			t.Errorf("grant.create event for %s, which is not stored", id)
		}
	}
	for id := range granted {
		if _, ok := stored[id]; !ok {
			t.Errorf("grant %s was acknowledged but is not stored", id)
		}
	}
	for id := range revoked {
		if stored[id].Ended == nil {
			t.Errorf("grant %s was acknowledged revoked but is not ended", id)
		}
	}
	have := map[string]bool{}
	for _, u := range userList {
		have[u.Name] = true
		if strings.HasPrefix(u.Name, "u") && usersMade[u.Name] != 1 {
			t.Errorf("user %s is stored with %d user.create events, want 1", u.Name, usersMade[u.Name])
		}
	}
	for name := range usersMade {
		if !have[name] && name != "admin" {
			t.Errorf("user.create event for %s, who is not stored", name)
		}
	}
	for name := range users {
		if !have[name] {
			t.Errorf("user %s was acknowledged but is not stored", name)
		}
	}
	if len(granted) < 15 {
		t.Errorf("only %d grants made across three rounds: the loop did not run", len(granted))
	}
	s.run(dir, false, "", "jitgit", "audit", "verify")
}
