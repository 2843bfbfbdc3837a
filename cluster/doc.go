// Package cluster coordinates the jitgit serve processes (nodes) that share
// one etcd: which nodes are up (Registry), which node runs each job that
// must run once (Elector), one push at a time per repository across the
// nodes (RepoLocks), one sign-in failure budget for all of them (Throttle),
// and what an operator sees of it (Status).
//
// Everything here lives under one key prefix of etcd and under leases of a
// few seconds, so that what a dead node held is released on its own. Leases
// clean up; they never decide access. A single node on Badger uses Solo,
// which implements the same interfaces with what that node does today.
package cluster
