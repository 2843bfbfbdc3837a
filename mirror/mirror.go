// Package mirror keeps read-only mirrors up to date: it fetches each
// upstream on its schedule, a bounded number at once, and records the result.
package mirror

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
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
	// Tick is how often the scheduler looks for due mirrors. Default 15s.
	Tick time.Duration
	// CAFile, when set, is the PEM bundle https upstreams' certificates are
	// checked against (GIT_SSL_CAINFO) instead of the system's.
	CAFile string
	// TempDir holds the private directory of each ssh fetch (its key and
	// known_hosts). Default os.TempDir().
	TempDir string
	// Now is the clock that says which mirrors are due: the service's, so a
	// test clock moves both. Default time.Now.
	Now func() time.Time
	// AfterRewrite, when set, is called with a mirror's name after a fetch
	// that rewrote one of its refs (the upstream was force-pushed), before
	// the fetch's result is reported: the server purges what no ref
	// reaches any more, as it does after a rewriting push.
	AfterRewrite func(ctx context.Context, name string)
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
	tmp     string
	caFile  string
	after   func(ctx context.Context, name string)

	slots chan struct{} // one token per running fetch
	mu    sync.Mutex
	busy  map[string]context.CancelFunc // mirrors being fetched, and how to stop each
	quit  chan struct{}                 // closed when the scheduler stops; kills fetches
	lock  RepoLocker

	statsMu sync.Mutex
	stats   SchedulerStats
}

// RepoLocker serialises the ref updates of a repository across the nodes
// sharing it (server.RepoLocker; cluster.RepoLocks on etcd).
type RepoLocker interface {
	LockRepo(ctx context.Context, repo string) (unlock func(), err error)
}

// LockWith makes every fetch hold l's lock of its repository, so that no
// two nodes fetch into one repository, or fetch while a push lands, at
// once. Call it before Run; without it fetches are serialised within
// this process only.
func (m *Mirrors) LockWith(l RepoLocker) { m.lock = l }

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
		cfg.Tick = 15 * time.Second
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Mirrors{
		svc: svc, repos: repos, log: log, git: cfg.Launcher, local: cfg.AllowLocal, now: cfg.Now,
		timeout: cfg.Timeout, tick: cfg.Tick, tmp: cfg.TempDir, caFile: cfg.CAFile, after: cfg.AfterRewrite,
		slots: make(chan struct{}, cfg.MaxParallel), busy: make(map[string]context.CancelFunc), quit: make(chan struct{}),
	}, nil
}

// system is the identity of scheduled fetches in the audit trail.
var system = auth.System("mirror")

// Fetch fetches the upstream's branches and tags into the bare repository
// of job.Name, pruning those the upstream deleted, in one ref transaction
// (git fetch --atomic: clients see all of a fetch or none of it), and
// points HEAD at the upstream's default branch when it is known. The
// credential and host keys reach git only through its environment and
// files of mode 0600 in a private directory removed when the fetch ends.
// It waits for one of the MaxParallel slots; a second fetch of the same
// mirror while one runs returns an error wrapping auth.ErrConflict at once.
// The git process group (and ssh with it) is killed when ctx ends, the
// timeout passes or the scheduler stops. Errors say in words what went
// wrong first ("authentication failed: ...").
func (m *Mirrors) Fetch(ctx context.Context, job service.FetchJob) (res service.FetchResult, err error) {
	name, upstream := job.Name, job.Upstream
	if err := service.ValidateUpstream(upstream, m.local); err != nil {
		return res, err
	}
	var dir string
	dir, err = m.repos.Path(name)
	if err != nil {
		return res, err
	}
	if !m.repos.Exists(name) {
		return res, fmt.Errorf("fetch %s: the repository is missing on disk", name)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !m.claim(name, cancel) {
		return res, fmt.Errorf("fetch %s: %w: already running", name, auth.ErrConflict)
	}
	defer m.release(name)
	stop := make(chan struct{})
	defer close(stop)
	m.mu.Lock()
	quit := m.quit
	m.mu.Unlock()
	go func() {
		select {
		case <-quit:
			cancel()
		case <-stop:
		}
	}()
	if m.lock != nil {
		// Another node's fetch or push of this repository lands first.
		lctx, lcancel := context.WithTimeout(ctx, m.timeout)
		unlock, err := m.lock.LockRepo(lctx, name)
		lcancel()
		if err != nil {
			return res, fmt.Errorf("fetch %s: %w", name, err)
		}
		defer unlock()
	}
	select {
	case m.slots <- struct{}{}:
		defer func() { <-m.slots }()
	case <-ctx.Done():
		return res, fmt.Errorf("fetch %s: %w", name, context.Cause(ctx))
	}
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, m.timeout, fmt.Errorf("timeout: no answer within %s", m.timeout))
	defer cancelTimeout()

	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	acc, err := m.access(job)
	if err != nil {
		return res, fmt.Errorf("fetch %s: %w", name, err)
	}
	defer acc.close()
	// Git's own ref summary says what changed: no listing of the refs
	// before and after, no ancestry checks.
	sum := &refSummary{}
	if _, err := m.runGit(ctx, gitexec.Cmd{Dir: dir, Env: acc.env, Command: "fetch", Stderr: sum,
		Options:  []string{"--atomic", "--prune", "--no-write-fetch-head", "--no-progress", "--no-recurse-submodules", "--no-auto-gc"},
		Operands: []string{acc.url, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}}); err != nil {
		return res, classify(ctx, err)
	}
	res.Updated, res.Rewritten = sum.updated, sum.rewritten
	if job.LearnHostKeys {
		if res.HostKeys, err = acc.learnt(); err != nil {
			return res, fmt.Errorf("fetch %s: %w", name, err)
		}
	}
	// The upstream's default branch is asked for (one more round trip)
	// only when its branches came or went: a default branch changes by
	// making a new one, and a fetch that only moved branches leaves it.
	if sum.branches {
		m.updateHead(ctx, name, dir, acc)
	}
	m.log.Info("mirror fetched", "repo", name, "upstream", redact.URL(upstream), "updated", res.Updated, "rewritten", res.Rewritten, "duration", time.Since(start))
	if res.Rewritten > 0 && m.after != nil {
		m.after(ctx, name)
	}
	return res, nil
}

// claim marks name as being fetched, stopped by cancel, unless it is
// already.
func (m *Mirrors) claim(name string, cancel context.CancelFunc) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.busy[name]; ok {
		return false
	}
	m.busy[name] = cancel
	return true
}

func (m *Mirrors) release(name string) {
	m.mu.Lock()
	delete(m.busy, name)
	m.mu.Unlock()
}

// discardWait bounds how long Discard waits for a fetch it stopped.
const discardWait = 30 * time.Second

// Discard removes the bare repository of the deleted mirror name: moved
// aside first, so that a half-removed directory is never served under the
// name. A fetch still running is stopped (its process group killed) and
// waited for, up to 30 s; after that it is a conflict.
func (m *Mirrors) Discard(ctx context.Context, name string) error {
	dir, err := m.repos.Path(name)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, discardWait)
	defer cancel()
	for !m.claim(name, func() {}) {
		m.mu.Lock()
		if stop := m.busy[name]; stop != nil {
			stop()
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("discard %s: %w: a fetch is still running", name, auth.ErrConflict)
		case <-time.After(20 * time.Millisecond):
		}
	}
	defer m.release(name)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	aside, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".deleted-")
	if err != nil {
		return fmt.Errorf("discard %s: %w", name, err)
	}
	if err := os.Rename(dir, filepath.Join(aside, "repo")); err != nil {
		os.Remove(aside)
		return fmt.Errorf("discard %s: %w", name, err)
	}
	if err := os.RemoveAll(aside); err != nil {
		return fmt.Errorf("discard %s: %w", name, err)
	}
	return nil
}

// updateHead points HEAD at the upstream's default branch if the upstream
// names one that the mirror has. Failing that, HEAD is left alone.
func (m *Mirrors) updateHead(ctx context.Context, name, dir string, acc *access) {
	out, err := m.runGit(ctx, gitexec.Cmd{Dir: dir, Env: acc.env, Command: "ls-remote",
		Options: []string{"--symref"}, Operands: []string{acc.url, "HEAD"}})
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
		if !strings.HasPrefix(target, "refs/heads/") {
			return
		}
		refs, err := m.refs(ctx, dir)
		if _, have := refs[target]; err != nil || !have {
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
