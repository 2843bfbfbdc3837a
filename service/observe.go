package service

import (
	"context"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// DecisionObserver is told of every decision Authorize made and how long
// it took, audit write included (metrics). It must not block.
type DecisionObserver func(who auth.Identity, d auth.Decision, took time.Duration)

// ObserveDecisions sets the observer of decisions. Call it before the
// service is in use.
func (s *Service) ObserveDecisions(f DecisionObserver) { s.observe = f }

// Gauges are counts computed from the store, so that they are right after
// a restart: running grants, pending requests, and each mirror's last
// fetch.
type Gauges struct {
	ActiveGrants    int
	PendingRequests int
	Mirrors         []auth.Repo
}

// Gauges counts what the store holds now.
func (s *Service) Gauges(ctx context.Context) (Gauges, error) {
	var g Gauges
	admin := auth.System("metrics")
	grants, err := s.ListGrants(ctx, admin, GrantFilter{})
	if err != nil {
		return g, err
	}
	now := s.now()
	for _, gr := range grants {
		if !gr.Starts.After(now) {
			g.ActiveGrants++
		}
	}
	reqs, err := s.ListRequests(ctx, admin, RequestFilter{Status: auth.StatusPending})
	if err != nil {
		return g, err
	}
	g.PendingRequests = len(reqs)
	repos, err := s.ListRepos(ctx, admin)
	if err != nil {
		return g, err
	}
	for _, r := range repos {
		if r.Mirror != "" {
			g.Mirrors = append(g.Mirrors, r)
		}
	}
	return g, nil
}
