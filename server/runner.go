package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// Service is a git program the server runs for a client.
type Service string

// The services. Nothing else is ever run for a client.
const (
	UploadPack    Service = "upload-pack"
	ReceivePack   Service = "receive-pack"
	UploadArchive Service = "upload-archive"
)

// Action is the access a service needs: receive-pack writes, the others
// read. The ref advertisement of receive-pack already needs write.
func (s Service) Action() auth.Action {
	if s == ReceivePack {
		return auth.ActionWrite
	}
	return auth.ActionRead
}

// ValidateProtocol checks a client's Git-Protocol header (or SSH
// GIT_PROTOCOL variable) and returns the value to pass to git as
// GIT_PROTOCOL. Only "version=0", "version=1" and "version=2" are accepted;
// an empty value means none and is returned as is.
func ValidateProtocol(h string) (string, error) {
	switch h {
	case "", "version=0", "version=1", "version=2":
		return h, nil
	}
	return "", fmt.Errorf("%w: Git-Protocol %q: only version=0, version=1 or version=2 is supported", auth.ErrInvalid, printableASCII(h))
}

// printableASCII shortens s and replaces bytes outside printable ASCII, so
// client input can be echoed in an error.
func printableASCII(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// baseEnv is the environment every git process starts from: nothing
// inherited, no system or global configuration, no HOME, no prompts.
func baseEnv(path string) []string {
	return []string{
		"PATH=" + path,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_NO_REPLACE_OBJECTS=1",
		"LC_ALL=C",
	}
}

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	// Git is the git binary. Default: "git" looked up in the server's PATH.
	Git string
	// Path is the PATH of every git process. Default: the server's PATH
	// when NewRunner is called.
	Path string
	// HooksDir is core.hooksPath for every git process, so that hooks inside
	// repositories never run. Required; made absolute.
	HooksDir string
	// Pushes registers every receive-pack run for the pre-receive re-check.
	// Without it receive-pack is refused.
	Pushes *Pushes
	// KillWait bounds how long a killed process may keep its pipes open.
	// Default 5s.
	KillWait time.Duration
}

// Runner runs the git services for every transport with a fixed argv and an
// environment built from scratch. It is safe for concurrent use.
type Runner struct {
	git      string
	path     string
	hooks    string
	pushes   *Pushes
	killWait time.Duration
	log      *slog.Logger
	runs     atomic.Uint64
}

// NewRunner checks cfg and returns a Runner.
func NewRunner(cfg RunnerConfig, log *slog.Logger) (*Runner, error) {
	if cfg.Git == "" {
		cfg.Git = "git"
	}
	git, err := exec.LookPath(cfg.Git)
	if err != nil {
		return nil, fmt.Errorf("git runner: %w", err)
	}
	if git, err = filepath.Abs(git); err != nil {
		return nil, fmt.Errorf("git runner: %w", err)
	}
	if cfg.Path == "" {
		cfg.Path = os.Getenv("PATH")
	}
	if cfg.HooksDir == "" {
		return nil, errors.New("git runner: no hooks directory configured")
	}
	hooks, err := filepath.Abs(cfg.HooksDir)
	if err != nil {
		return nil, fmt.Errorf("git runner: hooks directory: %w", err)
	}
	if cfg.KillWait <= 0 {
		cfg.KillWait = 5 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{git: git, path: cfg.Path, hooks: hooks, pushes: cfg.Pushes, killWait: cfg.KillWait, log: log}, nil
}

// Job is one run of a git service.
type Job struct {
	Service Service
	// Repo is the canonical repository name and Dir its absolute path, as
	// returned by ResolveRepo and Repos.Path.
	Repo string
	Dir  string
	// Who is the identity the run is for; receive-pack registers it for the
	// pre-receive re-check.
	Who auth.Identity
	// Protocol is the GIT_PROTOCOL value; it is validated again.
	Protocol string
	// StatelessRPC runs one request/response exchange (smart HTTP).
	StatelessRPC bool
	// AdvertiseRefs only prints the ref advertisement (info/refs).
	AdvertiseRefs bool

	Stdin  io.Reader // nil: empty
	Stdout io.Writer // the protocol stream
	Stderr io.Writer // optional; stderr is also kept in Result.Stderr
}

// Result is how a run ended.
type Result struct {
	Exit   int    // exit status; -1 when killed
	Stderr string // the last 64 KiB of stderr
}

// Runs reports how many git processes the runner has started.
func (r *Runner) Runs() uint64 { return r.runs.Load() }

// Run runs the job and waits for it. The process (with its whole process
// group) is killed when ctx ends. A non-zero exit is reported in Result, not
// as an error; the error says why git could not run or was killed.
func (r *Runner) Run(ctx context.Context, j Job) (Result, error) {
	args, err := r.argv(j)
	if err != nil {
		return Result{Exit: -1}, err
	}
	proto, err := ValidateProtocol(j.Protocol)
	if err != nil {
		return Result{Exit: -1}, fmt.Errorf("run git %s: %w", j.Service, err)
	}
	env := baseEnv(r.path)
	if proto != "" {
		env = append(env, "GIT_PROTOCOL="+proto)
	}
	if j.Service == ReceivePack && !j.AdvertiseRefs {
		if r.pushes == nil {
			return Result{Exit: -1}, fmt.Errorf("run git %s: no push registry configured, refusing to receive without the re-check", j.Service)
		}
		pushEnv, end := r.pushes.Begin(j.Who, j.Repo)
		defer end()
		env = append(env, pushEnv...)
	}

	cmd := exec.CommandContext(ctx, r.git, args...)
	cmd.Env = env
	cmd.Dir = j.Dir
	cmd.Stdin = j.Stdin
	cmd.Stdout = j.Stdout
	tail := &tailBuffer{max: 64 << 10}
	if j.Stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, j.Stderr)
	} else {
		cmd.Stderr = tail
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = r.killWait

	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{Exit: -1}, fmt.Errorf("run git %s: %w", j.Service, err)
	}
	r.runs.Add(1)
	err = cmd.Wait()
	res := Result{Exit: cmd.ProcessState.ExitCode(), Stderr: tail.String()}
	r.log.Debug("git finished", "service", j.Service, "repo", j.Repo, "user", j.Who.Name(),
		"exit", res.Exit, "duration", time.Since(start))
	if err != nil && ctx.Err() != nil {
		return res, fmt.Errorf("run git %s: killed: %w", j.Service, context.Cause(ctx))
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return res, fmt.Errorf("run git %s: %w", j.Service, err)
	}
	return res, nil
}

// argv builds git's arguments. The only value not chosen by the server is
// the repository directory, which is absolute, clean and placed after "--"
// (or, for upload-archive, which takes no "--", starts with '/').
func (r *Runner) argv(j Job) ([]string, error) {
	if !filepath.IsAbs(j.Dir) || filepath.Clean(j.Dir) != j.Dir {
		return nil, fmt.Errorf("run git %s: repository directory %q is not absolute and clean", j.Service, j.Dir)
	}
	args := []string{
		"-c", "core.hooksPath=" + r.hooks,
		"-c", "core.fsmonitor=false",
		string(j.Service),
	}
	switch j.Service {
	case UploadPack, ReceivePack:
		if j.Service == UploadPack {
			args = append(args, "--strict")
		}
		if j.StatelessRPC {
			args = append(args, "--stateless-rpc")
		}
		if j.AdvertiseRefs {
			args = append(args, "--http-backend-info-refs")
		}
		return append(args, "--", j.Dir), nil
	case UploadArchive:
		if j.StatelessRPC || j.AdvertiseRefs {
			return nil, fmt.Errorf("run git %s: no stateless mode", j.Service)
		}
		return append(args, j.Dir), nil
	}
	return nil, fmt.Errorf("run git: unknown service %q", j.Service)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		p = p[len(p)-t.max:]
		t.b = t.b[:0]
	}
	if over := len(t.b) + len(p) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	t.b = append(t.b, p...)
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
