package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/etcdtest"
)

// TestSignInThrottleSharedByNodes: two nodes on one etcd count one
// budget of failed sign-ins, so a second node gives an attacker nothing;
// without etcd, sign-in is refused (503, saying why), never unthrottled.
func TestSignInThrottleSharedByNodes(t *testing.T) {
	c := etcdtest.Start(t, 1)
	opts := cluster.Options{TTL: time.Second}
	nodes := []*stack{
		newStack(t, Options{Limiters: cluster.NewThrottles(c.Client(t), "jg", time.Now, opts)}),
		newStack(t, Options{Limiters: cluster.NewThrottles(c.Client(t), "jg", time.Now, opts)}),
	}
	var clients []*client
	for _, s := range nodes {
		s.user("alice", false, false)
		cl := s.client()
		cl.get("/signin")
		clients = append(clients, cl)
	}
	for i := range 5 {
		if res, _ := clients[i%2].post("/signin", url.Values{"user": {"alice"}, "password": {"wrong"}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, res.StatusCode)
		}
	}
	for i, cl := range clients {
		res, body := cl.post("/signin", url.Values{"user": {"alice"}, "password": {"alice-password"}})
		if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
			t.Fatalf("node %d after 5 failures spread over two nodes: %d", i, res.StatusCode)
		}
	}
	c.Stop(0)
	res, body := clients[0].post("/signin", url.Values{"user": {"bob"}, "password": {"bob-password"}})
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot reach the store") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sign-in without etcd: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
