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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jitgit/jitgit/auth"
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
	// Git is the git binary. Default: "git" looked up in the server's PATH.
	Git string
	// Path is the PATH of every git process. Default: the server's PATH.
	Path string
	// HooksDir is core.hooksPath of every fetch, so that no hook inside a
	// repository runs. Required.
	HooksDir string
	// AllowLocal permits file:// upstreams. Unsafe in production.
	AllowLocal bool
	// MaxParallel bounds the fetches running at once. Default 2.
	MaxParallel int
	// Timeout bounds one fetch. Default 10m.
	Timeout time.Duration
	// Tick is how often the scheduler looks for due mirrors. Default 1m.
	Tick time.Duration
	// KillWait bounds how long a killed git may keep its pipes open.
	// Default 5s.
	KillWait time.Duration
}

// Mirrors fetches mirrors from their upstreams with the git binary, and
// schedules the fetches that are due. It implements service.MirrorFetcher. It
// is safe for concurrent use.
type Mirrors struct {
	svc      MirrorService
	repos    Repos
	log      *slog.Logger
	git      string
	path     string
	hooks    string
	local    bool
	timeout  time.Duration
	tick     time.Duration
	killWait time.Duration

	slots chan struct{} // one token per running fetch
	mu    sync.Mutex
	busy  map[string]bool // mirrors being fetched
	quit  chan struct{}   // closed when the scheduler stops; kills fetches
	once  sync.Once
}

// NewMirrors checks cfg and returns Mirrors fetching into repos and
// recording results through svc. Run starts the scheduler.
func NewMirrors(cfg MirrorsConfig, svc MirrorService, repos Repos, log *slog.Logger) (*Mirrors, error) {
	if cfg.Git == "" {
		cfg.Git = "git"
	}
	git, err := exec.LookPath(cfg.Git)
	if err != nil {
		return nil, fmt.Errorf("mirrors: %w", err)
	}
	if git, err = filepath.Abs(git); err != nil {
		return nil, fmt.Errorf("mirrors: %w", err)
	}
	if cfg.Path == "" {
		cfg.Path = os.Getenv("PATH")
	}
	if cfg.HooksDir == "" {
		return nil, errors.New("mirrors: no hooks directory configured")
	}
	hooks, err := filepath.Abs(cfg.HooksDir)
	if err != nil {
		return nil, fmt.Errorf("mirrors: hooks directory: %w", err)
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
	if cfg.KillWait <= 0 {
		cfg.KillWait = 5 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mirrors{
		svc: svc, repos: repos, log: log, git: git, path: cfg.Path, hooks: hooks, local: cfg.AllowLocal,
		timeout: cfg.Timeout, tick: cfg.Tick, killWait: cfg.KillWait,
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
	now := time.Now()
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
	if _, err := m.runGitEnv(ctx, dir, creds, "fetch", "--prune", "--no-write-fetch-head", "--quiet", "--no-recurse-submodules",
		"--", upstream, "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"); err != nil {
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
	out, err := m.runGitEnv(ctx, dir, creds, "ls-remote", "--symref", "--", upstream, "HEAD")
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
		if _, err := m.runGit(ctx, dir, "symbolic-ref", "HEAD", target); err != nil {
			m.log.Warn("mirror: set HEAD", "repo", name, "err", err)
		}
		return
	}
}

// refs returns the mirror's refs and the objects they point at.
func (m *Mirrors) refs(ctx context.Context, dir string) (map[string]string, error) {
	out, err := m.runGit(ctx, dir, "for-each-ref", "--format=%(objectname) %(refname)")
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

// runGit runs git in the bare repository dir with a clean environment, no
// credential helpers or prompts, only the network transports (and file://
// when local upstreams are allowed), and the server's hooks directory. It
// returns stdout; the error carries the end of stderr.
func (m *Mirrors) runGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return m.runGitEnv(ctx, dir, nil, args...)
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

// runGitEnv is runGit with extra environment variables.
func (m *Mirrors) runGitEnv(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	fileAllow := "never"
	if m.local {
		fileAllow = "always"
	}
	argv := []string{
		"-c", "core.hooksPath=" + m.hooks,
		"-c", "core.fsmonitor=false",
		"-c", "credential.helper=",
		"-c", "core.askPass=",
		"-c", "core.sshCommand=ssh -o BatchMode=yes",
		"-c", "protocol.allow=never",
		"-c", "protocol.https.allow=always",
		"-c", "protocol.http.allow=always",
		"-c", "protocol.ssh.allow=always",
		"-c", "protocol.git.allow=always",
		"-c", "protocol.ext.allow=never",
		"-c", "protocol.fd.allow=never",
		"-c", "protocol.file.allow=" + fileAllow,
		"-c", "submodule.recurse=false",
		"-c", "fetch.fsckObjects=true",
	}
	cmd := exec.CommandContext(ctx, m.git, append(argv, args...)...)
	cmd.Env = append(baseEnv(m.path), env...)
	cmd.Dir = dir
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = m.killWait
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("git %s: killed: %w", args[0], context.Cause(ctx))
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return nil, fmt.Errorf("git %s: %w", args[0], err)
		}
		return nil, fmt.Errorf("git %s (%w): %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}
