package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/jitgit/jitgit/server"
)

// part is one long-running piece of the server. run serves until its ctx
// ends and returns once the piece has stopped; it returns nil then, and an
// error that says what failed when it cannot go on.
type part struct {
	name string
	run  func(ctx context.Context) error
}

// runStages runs the parts of every stage at once, under one errgroup, until
// ctx ends or a part fails, and then stops them a stage at a time, in the
// order given: the context of stages[i] ends only once every part of the
// stages before it has returned. So a later stage keeps serving the earlier
// ones while they finish, e.g. the push re-check serves the pushes still
// running. It returns the first failure; a part that returns before it is
// told to stop is a failure too, so that the server never runs in half.
func runStages(ctx context.Context, log *slog.Logger, stages ...[]part) error {
	g, gctx := errgroup.WithContext(ctx)
	turn := gctx.Done()
	for i, stage := range stages {
		// Not derived from ctx: a stage's turn to stop comes from the one
		// before it, not from the signal.
		sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		var running sync.WaitGroup
		for _, p := range stage {
			running.Add(1)
			g.Go(func() error {
				defer running.Done()
				err := p.run(sctx)
				if err == nil && sctx.Err() == nil {
					err = fmt.Errorf("%s stopped by itself", p.name)
				}
				return err
			})
		}
		prev, done := turn, make(chan struct{})
		g.Go(func() error {
			<-prev
			if i == 0 && ctx.Err() != nil {
				log.Info("shutting down", "signal", context.Cause(ctx))
			}
			stop()
			running.Wait()
			close(done)
			return nil
		})
		turn = done
	}
	return g.Wait()
}

// httpPart is an http.Server on its listener.
type httpPart struct {
	name  string
	srv   *http.Server
	ln    net.Listener
	grace time.Duration
	log   *slog.Logger
}

// Run serves until ctx ends. Then it stops accepting, lets the requests
// running finish for up to grace, cancels the contexts of those still
// running (which kills their git processes), and returns once no handler
// runs; requests that still arrive are turned away, because the store
// closes after Run returns.
func (p *httpPart) Run(ctx context.Context) error {
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.srv.BaseContext = func(net.Listener) context.Context { return base }
	g := &gate{}
	p.srv.Handler = g.wrap(p.srv.Handler)
	served := make(chan error, 1)
	go func() { served <- p.srv.Serve(p.ln) }()
	select {
	case err := <-served:
		cancel()
		p.srv.Close()
		g.closeAndWait()
		return fmt.Errorf("%s on %s: %w", p.name, p.ln.Addr(), err)
	case <-ctx.Done():
	}
	shut, cancelShut := context.WithTimeout(context.Background(), p.grace)
	defer cancelShut()
	if err := p.srv.Shutdown(shut); err != nil {
		p.log.Warn("requests still running after the shutdown grace; cancelled", "server", p.name, "grace", p.grace)
		cancel()
		p.srv.Close()
	}
	<-served // http.ErrServerClosed
	g.closeAndWait()
	return nil
}

// gate counts the requests inside a handler. Once closed it turns new ones
// away, since http.Server.Close does not wait for handlers, and a handler
// that started late would use a closed store.
type gate struct {
	mu     sync.Mutex
	n      int
	closed bool
	idle   chan struct{} // closed once closed and n is 0
}

func (g *gate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.enter() {
			w.Header().Set("Connection", "close")
			http.Error(w, "the server is shutting down", http.StatusServiceUnavailable)
			return
		}
		defer g.leave()
		h.ServeHTTP(w, r)
	})
}

func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n--; g.closed && g.n == 0 {
		close(g.idle)
	}
}

// closeAndWait closes the gate and waits until no request is inside.
func (g *gate) closeAndWait() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		g.idle = make(chan struct{})
		if g.n == 0 {
			close(g.idle)
		}
	}
	idle := g.idle
	g.mu.Unlock()
	<-idle
}

// sshPart is the SSH transport on its listener.
type sshPart struct {
	srv   *server.SSH
	ln    net.Listener
	grace time.Duration
	log   *slog.Logger
}

// Run serves until ctx ends. Then it stops accepting, lets the sessions
// running finish for up to grace, closes the connections still open (which
// kills their git processes) and returns once every connection has ended.
func (p *sshPart) Run(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- p.srv.Serve(p.ln) }()
	select {
	case err := <-served:
		p.srv.Close()
		if err == nil {
			err = errors.New("SSH server: closed")
		}
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), p.grace)
	defer cancel()
	if err := p.srv.Shutdown(shut); err != nil {
		p.log.Warn("SSH sessions still running after the shutdown grace; closed", "grace", p.grace)
	}
	return <-served
}
