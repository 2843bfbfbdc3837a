package cluster

import (
	"context"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Status is what `jitgit cluster status` shows.
type Status struct {
	// Backend is "etcd" or "badger".
	Backend string `json:"backend"`
	// Node is the node that answered.
	Node  string      `json:"node"`
	Nodes []Node      `json:"nodes"`
	Jobs  []JobLeader `json:"jobs"`
	// Endpoints are the etcd members' answers (none on Badger).
	Endpoints []Endpoint `json:"endpoints,omitempty"`
	// Watch is how far the store's watches are behind, when it says.
	Watch *WatchLag `json:"watch,omitempty"`
}

// JobLeader names the node leading a job, "" for none.
type JobLeader struct {
	Job    string `json:"job"`
	Leader string `json:"leader"`
}

// Endpoint is one etcd member's health as its status call tells it.
type Endpoint struct {
	Endpoint  string `json:"endpoint"`
	Healthy   bool   `json:"healthy"`
	MemberID  uint64 `json:"member_id,omitempty"`
	LeaderID  uint64 `json:"leader_id,omitempty"`
	IsLeader  bool   `json:"is_leader,omitempty"`
	Version   string `json:"version,omitempty"`
	RaftIndex uint64 `json:"raft_index,omitempty"`
	RaftTerm  uint64 `json:"raft_term,omitempty"`
	DBSize    int64  `json:"db_size,omitempty"`
	// Error is why the member did not answer, or the alarms it raised.
	Error string `json:"error,omitempty"`
}

// WatchLag is how far a store's caches trail etcd.
type WatchLag struct {
	// Revision is the newest etcd revision the caches have applied, and
	// Behind how many revisions etcd is past it.
	Revision int64 `json:"revision"`
	Behind   int64 `json:"behind"`
	// Age is how long ago the last watch event arrived.
	Age time.Duration `json:"age"`
}

// WatchLagger is what a store that keeps caches fed by etcd watches
// implements for Status: the revision it has applied and when its last
// watch event came. WatchLag must not block on the network (it reports
// what the store already knows) and must be safe for concurrent use.
type WatchLagger interface {
	WatchLag() (applied int64, lastEvent time.Time)
}

// Reporter gathers a Status: the nodes of Registry, the leaders of Jobs,
// and, with Client, the health of every etcd endpoint and, with Lag, the
// store's watch lag.
type Reporter struct {
	Node     string
	Registry Registry
	Elector  Elector
	Jobs     []string
	Client   *clientv3.Client // nil on Badger
	Lag      WatchLagger      // nil when the store does not tell
	Now      func() time.Time
}

// Status gathers the status; the parts that do not answer say so in
// their fields rather than failing the whole.
func (r Reporter) Status(ctx context.Context) (Status, error) {
	st := Status{Backend: "badger", Node: r.Node}
	if r.Client != nil {
		st.Backend = "etcd"
	}
	nodes, err := r.Registry.Nodes(ctx)
	if err != nil {
		return st, err
	}
	st.Nodes = nodes
	for _, j := range r.Jobs {
		l, err := r.Elector.Leader(ctx, j)
		if err != nil {
			return st, err
		}
		st.Jobs = append(st.Jobs, JobLeader{Job: j, Leader: l})
	}
	var newest int64
	if r.Client != nil {
		st.Endpoints, newest = endpoints(ctx, r.Client)
	}
	if r.Lag != nil {
		applied, last := r.Lag.WatchLag()
		w := &WatchLag{Revision: applied}
		if newest > applied {
			w.Behind = newest - applied
		}
		if !last.IsZero() && r.Now != nil {
			w.Age = r.Now().Sub(last)
		}
		st.Watch = w
	}
	return st, nil
}

// endpoints asks every endpoint for its status, each within callTimeout,
// and returns them with the newest revision seen.
func endpoints(ctx context.Context, c *clientv3.Client) ([]Endpoint, int64) {
	var out []Endpoint
	var newest int64
	for _, ep := range c.Endpoints() {
		e := Endpoint{Endpoint: ep}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		s, err := c.Status(cctx, ep)
		cancel()
		if err != nil {
			e.Error = err.Error()
			out = append(out, e)
			continue
		}
		e.Healthy = len(s.Errors) == 0
		e.MemberID, e.LeaderID, e.IsLeader = s.Header.MemberId, s.Leader, s.Header.MemberId == s.Leader
		e.Version, e.RaftIndex, e.RaftTerm, e.DBSize = s.Version, s.RaftIndex, s.RaftTerm, s.DbSize
		if len(s.Errors) > 0 {
			e.Error = fmt.Sprint(s.Errors)
		}
		newest = max(newest, s.Header.Revision)
		out = append(out, e)
	}
	return out, newest
}
