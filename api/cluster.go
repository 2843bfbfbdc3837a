package api

import "time"

// ClusterStatus is what GET /api/v1/cluster answers: the nodes, who leads
// each once-only job, the store's health and the checkpoint keys trusted.
type ClusterStatus struct {
	// Backend is "etcd" or "badger"; Node the node that answered.
	Backend string          `json:"backend"`
	Node    string          `json:"node"`
	Nodes   []ClusterNode   `json:"nodes"`
	Jobs    []JobLeader     `json:"jobs"`
	Store   []StoreMember   `json:"store,omitempty"`
	Watch   *WatchLag       `json:"watch,omitempty"`
	Keys    []CheckpointKey `json:"audit_keys"`
}

// ClusterNode is one node up now.
type ClusterNode struct {
	Name     string    `json:"name"`
	Address  string    `json:"address"`
	Version  string    `json:"version"`
	Started  time.Time `json:"started"`
	LastSeen time.Time `json:"last_seen"`
	// AuditKeyID names the key the node signs checkpoints with; Trusted
	// says whether the answering node's verification accepts it.
	AuditKeyID string `json:"audit_key_id"`
	Trusted    bool   `json:"trusted"`
}

// JobLeader is the node running a once-only job, "" for none now.
type JobLeader struct {
	Job    string `json:"job"`
	Leader string `json:"leader"`
}

// StoreMember is one etcd endpoint's status.
type StoreMember struct {
	Endpoint  string `json:"endpoint"`
	Healthy   bool   `json:"healthy"`
	Leader    bool   `json:"leader"`
	Version   string `json:"version,omitempty"`
	RaftIndex uint64 `json:"raft_index,omitempty"`
	RaftTerm  uint64 `json:"raft_term,omitempty"`
	DBSize    int64  `json:"db_size,omitempty"`
	Error     string `json:"error,omitempty"`
}

// WatchLag is how far the store's caches trail etcd.
type WatchLag struct {
	Revision int64 `json:"revision"`
	Behind   int64 `json:"behind"`
	// AgeSeconds is how long ago the last watch event came.
	AgeSeconds float64 `json:"age_seconds"`
}

// CheckpointKey is a public key whose audit checkpoints verify.
type CheckpointKey struct {
	ID string `json:"id"`
	// PEM is the key as `audit verify --public-key` reads it.
	PEM string `json:"pem"`
	// Source says where it is trusted from: "this node" or a file of
	// [cluster] audit_keys.
	Source string `json:"source"`
}
