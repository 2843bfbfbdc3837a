package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

// trace records what happened, in order, from several goroutines.
type trace struct {
	mu  sync.Mutex
	evs []string
}

func (t *trace) add(ev string) {
	t.mu.Lock()
	t.evs = append(t.evs, ev)
	t.mu.Unlock()
}

func (t *trace) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.evs, " ")
}

// stopper is a part that records when it is told to stop and, after
// linger, that it has stopped.
func stopper(tr *trace, name string, linger time.Duration) part {
	return part{name, func(ctx context.Context) error {
		<-ctx.Done()
		tr.add(name + ".told")
		time.Sleep(linger)
		tr.add(name + ".stopped")
		return nil
	}}
}

func TestRunStagesStopsStageAfterStage(t *testing.T) {
	var tr trace
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := runStages(ctx, quiet,
		[]part{stopper(&tr, "http", 20*time.Millisecond), stopper(&tr, "ssh", 40*time.Millisecond)},
		[]part{stopper(&tr, "hooks", 0)},
		[]part{stopper(&tr, "last", 0)})
	if err != nil {
		t.Fatal(err)
	}
	got := tr.String()
	for _, before := range []string{"http.stopped", "ssh.stopped"} {
		if strings.Index(got, before) > strings.Index(got, "hooks.told") {
			t.Errorf("hooks told to stop before %s: %s", before, got)
		}
	}
	if strings.Index(got, "hooks.stopped") > strings.Index(got, "last.told") {
		t.Errorf("the last stage told to stop before the one before it stopped: %s", got)
	}
}

func TestRunStagesFailureStopsEverything(t *testing.T) {
	var tr trace
	boom := errors.New("SSH listen on 127.0.0.1:2222: address already in use")
	err := runStages(context.Background(), quiet,
		[]part{stopper(&tr, "http", 0), {"ssh", func(context.Context) error { return boom }}},
		[]part{stopper(&tr, "hooks", 0)})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the failure", err)
	}
	if got := tr.String(); got != "http.told http.stopped hooks.told hooks.stopped" {
		t.Errorf("after a failure: %s", got)
	}
}

func TestRunStagesPartEndingByItselfIsAFailure(t *testing.T) {
	var tr trace
	err := runStages(context.Background(), quiet,
		[]part{stopper(&tr, "http", 0)},
		[]part{{"request sweeper", func(context.Context) error { return nil }}})
	if err == nil || !strings.Contains(err.Error(), "request sweeper stopped by itself") {
		t.Fatalf("err = %v, want the part named", err)
	}
	if got := tr.String(); got != "http.told http.stopped" {
		t.Errorf("after a part ended: %s", got)
	}
}

// startHTTPPart runs h as an httpPart with grace on a loopback port.
func startHTTPPart(t *testing.T, h http.Handler, grace time.Duration) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &httpPart{name: "HTTP server", srv: &http.Server{Handler: h}, ln: ln, grace: grace, log: quiet}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(cancel)
	return ln.Addr().String(), func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}
}

func TestHTTPPartLetsRunningRequestsFinish(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	addr, stop := startHTTPPart(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	}), time.Minute)
	type result struct {
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{string(b), err}
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after the stop")
		}
	}
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a request runs", err)
	default:
	}
	close(release)
	if r := <-res; r.err != nil || r.body != "done" {
		t.Fatalf("the running request: %q, %v", r.body, r.err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

func TestHTTPPartCancelsRequestsAfterGrace(t *testing.T) {
	entered := make(chan struct{})
	var returned atomic.Bool
	addr, stop := startHTTPPart(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // as a git process is killed with its request
		time.Sleep(20 * time.Millisecond)
		returned.Store(true)
	}), 50*time.Millisecond)
	go func() {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !returned.Load() {
		t.Fatal("Run returned before the cancelled handler did")
	}
}

func TestGateTurnsAwayRequestsOnceClosed(t *testing.T) {
	var g gate
	var ran atomic.Bool
	h := g.wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran.Store(true) }))
	g.closeAndWait()
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, &http.Request{})
	if ran.Load() || rec.status != http.StatusServiceUnavailable {
		t.Fatalf("after close: handler ran %v, status %d", ran.Load(), rec.status)
	}
}

type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(p []byte) (int, error) { return len(p), nil }
func (r *recorder) WriteHeader(status int)      { r.status = status }
