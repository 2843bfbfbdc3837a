package cluster

import (
	"context"
	"sync"
)

// Solo is the one node of a server on Badger: it leads every job, is the
// only node in its registry, and needs no lock for a push (git's own ref
// locking serialises the pushes of one process). It implements Elector and
// Registry.
type Solo struct {
	mu   sync.Mutex
	node Node
}

// NewSolo returns the coordination of the single node n.
func NewSolo(n Node) *Solo { return &Solo{node: n} }

// Lead implements Elector: job runs at once, until ctx ends.
func (s *Solo) Lead(ctx context.Context, _ string, job func(ctx context.Context)) { job(ctx) }

// Leader implements Elector: this node.
func (s *Solo) Leader(context.Context, string) (string, error) { return s.node.Name, nil }

// Keep implements Registry: it notes n and waits for ctx to end.
func (s *Solo) Keep(ctx context.Context, n Node) error {
	s.mu.Lock()
	s.node = n
	s.mu.Unlock()
	<-ctx.Done()
	return nil
}

// Nodes implements Registry: this node.
func (s *Solo) Nodes(context.Context) ([]Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []Node{s.node}, nil
}
