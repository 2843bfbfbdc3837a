// Package mirror keeps read-only mirrors up to date: it fetches each
// upstream on its schedule, a bounded number at once, and records the result.
package mirror

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
	"github.com/jitgit/jitgit/redact"
	"github.com/jitgit/jitgit/service"
)

// MirrorService is what the mirror scheduler needs of the access domain.
// service.Service implements it.
type MirrorService interface {
	ListRepos(ctx context.Context, actor auth.Identity) ([]auth.Repo, error)
	SyncMirror(ctx context.Context, actor auth.Identity, name string, f service.MirrorFetcher) (auth.Repo, error)
}

// Repos finds the bare repositories on disk; server.Repos implements it.
type Repos interface {
	Path(name string) (string, error)
	Exists(name string) bool
}

// MirrorsConfig configures Mirrors.
type MirrorsConfig struct {
	// Launcher starts the git processes. Required.
	Launcher *gitexec.Launcher
	// AllowLocal permits file:// upstreams. Unsafe in production.
	AllowLocal bool
	// MaxParallel bounds the fetches running at once. Default 2.
	MaxParallel int
	// Timeout bounds one fetch. Default 10m.
	Timeout time.Duration
	// Tick is how often the scheduler looks for due mirrors. Default 1m.
	Tick time.Duration
	// Now is the clock that says which mirrors are due: the service's, so a
	// test clock moves both. Default time.Now.
	Now func() time.Time
}

// Mirrors fetches mirrors from their upstreams with the git binary, and
// schedules the fetches that are due. It implements service.MirrorFetcher. It
// is safe for concurrent use.
type Mirrors struct {
	svc     MirrorService
	repos   Repos
	log     *slog.Logger
	git     *gitexec.Launcher
	local   bool
	now     func() time.Time
	timeout time.Duration
	tick    time.Duration

	slots chan struct{} // one token per running fetch
	mu    sync.Mutex
	busy  map[string]bool // mirrors being fetched
	quit  chan struct{}   // closed when the scheduler stops; kills fetches
	once  sync.Once
}

// NewMirrors checks cfg and returns Mirrors fetching into repos and
// recording results through svc. Run starts the scheduler.
func NewMirrors(cfg MirrorsConfig, svc MirrorService, repos Repos, log *slog.Logger) (*Mirrors, error) {
	if cfg.Launcher == nil {
		return nil, errors.New("mirrors: no git launcher configured")
	}
	if cfg.MaxParallel <= 0 {
		cfg.MaxParallel = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Tick <= 0 {
		cfg.Tick = time.Minute
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Mirrors{
		svc: svc, repos: repos, log: log, git: cfg.Launcher, local: cfg.AllowLocal, now: cfg.Now,
		timeout: cfg.Timeout, tick: cfg.Tick,
		slots: make(chan struct{}, cfg.MaxParallel), busy: make(map[string]bool), quit: make(chan struct{}),
	}, nil
}

// system is the identity of scheduled fetches in the audit trail.
var system = auth.System("mirror")

// Run fetches the mirrors that are due, now and every tick, until ctx ends.
// It then kills the fetches still running (also those started through the
// API) and returns once the scheduled ones have been recorded.
func (m *Mirrors) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer func() {
		m.once.Do(func() { close(m.quit) })
		wg.Wait()
	}()
	t := time.NewTicker(m.tick)
	defer t.Stop()
	for {
		m.syncDue(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// syncDue starts a fetch of every due mirror not being fetched already.
func (m *Mirrors) syncDue(ctx context.Context, wg *sync.WaitGroup) {
	rs, err := m.svc.ListRepos(ctx, system)
	if err != nil {
		if ctx.Err() == nil {
			m.log.Warn("mirrors: list repositories", "err", err)
		}
		return
	}
	now := m.now()
	for _, r := range rs {
		if !r.SyncDue(now) || m.running(r.Name) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.svc.SyncMirror(ctx, system, r.Name, m); err != nil && ctx.Err() == nil && !errors.Is(err, auth.ErrConflict) {
				m.log.Warn("mirror sync failed", "repo", r.Name, "err", err)
			}
		}()
	}
}

func (m *Mirrors) running(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.busy[name]
}

// Fetch fetches upstream's branches and tags into the bare repository name,
// pruning those the upstream deleted, and points HEAD at the upstream's
// default branch when it is known. It waits for one of the MaxParallel
// slots; a second fetch of the same mirror while one runs returns an error
// wrapping auth.ErrConflict at once. The git process group is killed when
// ctx ends, the timeout passes or the scheduler stops.
func (m *Mirrors) Fetch(ctx context.Context, name, upstream string) (int, error) {
	if err := service.ValidateUpstream(upstream, m.local); err != nil {
		return 0, err
	}
	dir, err := m.repos.Path(name)
	if err != nil {
		return 0, err
	}
	if !m.repos.Exists(name) {
		return 0, fmt.Errorf("fetch %s: the repository is missing on disk", name)
	}
	m.mu.Lock()
	if m.busy[name] {
		m.mu.Unlock()
		return 0, fmt.Errorf("fetch %s: %w: already running", name, auth.ErrConflict)
	}
	m.busy[name] = true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.busy, name)
		m.mu.Unlock()
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-m.quit:
			cancel()
		case <-stop:
		}
	}()
	select {
	case m.slots <- struct{}{}:
		defer func() { <-m.slots }()
	case <-ctx.Done():
		return 0, fmt.Errorf("fetch %s: %w", name, context.Cause(ctx))
	}
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, m.timeout, fmt.Errorf("timed out after %s", m.timeout))
	defer cancelTimeout()

	start := time.Now()
	before, err := m.refs(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("fetch %s: %w", name, err)
	}
	upstream, creds := splitCredentials(upstream)
	if _, err := m.runGit(ctx, gitexec.Cmd{Dir: dir, Env: creds, Command: "fetch",
		Options:  []string{"--prune", "--no-write-fetch-head", "--quiet", "--no-recurse-submodules"},
		Operands: []string{upstream, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}}); err != nil {
		return 0, err // names the command; SyncMirror adds the mirror and upstream
	}
	after, err := m.refs(ctx, dir)
	if err != nil {
		return 0, fmt.Errorf("fetch %s: %w", name, err)
	}
	updated := 0
	for ref, id := range after {
		if before[ref] != id {
			updated++
		}
	}
	for ref := range before {
		if _, ok := after[ref]; !ok {
			updated++
		}
	}
	m.updateHead(ctx, name, dir, upstream, creds, after)
	m.log.Info("mirror fetched", "repo", name, "upstream", redact.URL(upstream), "updated", updated, "duration", time.Since(start))
	return updated, nil
}

// updateHead points HEAD at the upstream's default branch if the upstream
// names one that the mirror has. Failing that, HEAD is left alone.
func (m *Mirrors) updateHead(ctx context.Context, name, dir, upstream string, creds []string, refs map[string]string) {
	out, err := m.runGit(ctx, gitexec.Cmd{Dir: dir, Env: creds, Command: "ls-remote",
		Options: []string{"--symref"}, Operands: []string{upstream, "HEAD"}})
	if err != nil {
		m.log.Debug("mirror: upstream HEAD unknown", "repo", name, "err", err)
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		target, ok := strings.CutPrefix(sc.Text(), "ref: ")
		if !ok {
			continue
		}
		target, _, _ = strings.Cut(target, "\t")
		if _, have := refs[target]; !have || !strings.HasPrefix(target, "refs/heads/") {
			return
		}
		if _, err := m.runGit(ctx, gitexec.Cmd{Dir: dir, Command: "symbolic-ref", Operands: []string{"HEAD", target}}); err != nil {
			m.log.Warn("mirror: set HEAD", "repo", name, "err", err)
		}
		return
	}
}

// refs returns the mirror's refs and the objects they point at.
func (m *Mirrors) refs(ctx context.Context, dir string) (map[string]string, error) {
	out, err := m.runGit(ctx, gitexec.Cmd{Dir: dir, Command: "for-each-ref", Options: []string{"--format=%(objectname) %(refname)"}})
	if err != nil {
		return nil, err
	}
	refs := make(map[string]string)
	for line := range strings.Lines(string(out)) {
		if id, ref, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			refs[ref] = id
		}
	}
	return refs, nil
}

// splitCredentials takes the user name and password out of an http(s)
// upstream and returns them as git configuration in the environment (an
// Authorization header for that host only), so they never appear on a
// command line that every local user can read.
func splitCredentials(upstream string) (string, []string) {
	u, err := url.Parse(upstream)
	if err != nil || u.User == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return upstream, nil
	}
	pw, _ := u.User.Password()
	basic := base64.StdEncoding.EncodeToString([]byte(u.User.Username() + ":" + pw))
	u.User = nil
	return u.String(), []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http." + u.Scheme + "://" + u.Host + "/.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic " + basic,
	}
}

// fetchConfig is the configuration of every mirror git process: no
// credential helpers or prompts, only the network transports (and file://
// when local upstreams are allowed), no submodules, and objects checked.
func fetchConfig(allowLocal bool) []string {
	fileAllow := "never"
	if allowLocal {
		fileAllow = "always"
	}
	return []string{
		"credential.helper=",
		"core.askPass=",
		"core.sshCommand=ssh -o BatchMode=yes",
		"protocol.allow=never",
		"protocol.https.allow=always",
		"protocol.http.allow=always",
		"protocol.ssh.allow=always",
		"protocol.git.allow=always",
		"protocol.ext.allow=never",
		"protocol.fd.allow=never",
		"protocol.file.allow=" + fileAllow,
		"submodule.recurse=false",
		"fetch.fsckObjects=true",
	}
}

// runGit runs c with the mirrors' configuration and returns its stdout; the
// error carries the end of stderr.
func (m *Mirrors) runGit(ctx context.Context, c gitexec.Cmd) ([]byte, error) {
	c.Config = fetchConfig(m.local)
	c.StderrTail = 4 << 10
	return m.git.Output(ctx, c)
}
