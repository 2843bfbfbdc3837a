package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
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
	if gitexec.ValidProtocol(h) {
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

// RunnerConfig configures a Runner.
type RunnerConfig struct {
	// Launcher starts the git processes. Required.
	Launcher *gitexec.Launcher
	// Pushes registers every receive-pack run for the pre-receive re-check.
	// Without it receive-pack is refused.
	Pushes *Pushes
	// AfterRewrite, when set, is called after a push that left a commit
	// no ref reaches (a force-push or a deletion), with the repository's
	// name, before the push's answer ends; the server purges it then.
	AfterRewrite func(ctx context.Context, repo string)
	// Observe, when set, is told of every finished run (metrics). It must
	// not block.
	Observe func(RunStats)
}

// RunStats describe one finished git run.
type RunStats struct {
	Transport string // the identity's transport: "http", "ssh"
	Service   Service
	// In and Out are the bytes the client sent and got.
	In, Out  int64
	Exit     int
	Duration time.Duration
}

// Runner runs the git services for every transport. It is safe for
// concurrent use.
type Runner struct {
	git    *gitexec.Launcher
	pushes *Pushes
	after  func(ctx context.Context, repo string)
	log    *slog.Logger
	runs   atomic.Uint64
	// running counts the git processes running now.
	running atomic.Int64
	observe func(RunStats)
}

// NewRunner checks cfg and returns a Runner.
func NewRunner(cfg RunnerConfig, log *slog.Logger) (*Runner, error) {
	if cfg.Launcher == nil {
		return nil, errors.New("git runner: no git launcher configured")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{git: cfg.Launcher, pushes: cfg.Pushes, after: cfg.AfterRewrite, log: log, observe: cfg.Observe}, nil
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
	// In and Out are the bytes read from Stdin and written to Stdout.
	In, Out int64
}

// Runs reports how many git processes the runner has started.
func (r *Runner) Runs() uint64 { return r.runs.Load() }

// Running reports how many git processes run now.
func (r *Runner) Running() int64 { return r.running.Load() }

// countingReader and countingWriter count the bytes of a run.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Run runs the job and waits for it. The process (with its whole process
// group) is killed when ctx ends. A non-zero exit is reported in Result, not
// as an error; the error says why git could not run or was killed.
func (r *Runner) Run(ctx context.Context, j Job) (Result, error) {
	c, err := r.cmd(j)
	if err != nil {
		return Result{Exit: -1}, err
	}
	proto, err := ValidateProtocol(j.Protocol)
	if err != nil {
		return Result{Exit: -1}, fmt.Errorf("run git %s: %w", j.Service, err)
	}
	c.Protocol = proto
	if j.Service == ReceivePack && !j.AdvertiseRefs {
		if r.pushes == nil {
			return Result{Exit: -1}, fmt.Errorf("run git %s: no push registry configured, refusing to receive without the re-check", j.Service)
		}
		pushEnv, hooks, end, err := r.pushes.Begin(j.Who, j.Repo)
		if err != nil {
			return Result{Exit: -1}, fmt.Errorf("run git %s: %w", j.Service, err)
		}
		defer end()
		c.Env, c.HooksDir = pushEnv, hooks
		if r.after != nil {
			before, err := reachability{git: r.git, dir: j.Dir}.tips(ctx)
			if err != nil {
				return Result{Exit: -1}, fmt.Errorf("run git %s: %w", j.Service, err)
			}
			defer func() {
				if ctx.Err() == nil && r.rewrote(ctx, j.Dir, before) {
					r.after(context.WithoutCancel(ctx), j.Repo)
				}
			}()
		}
	}

	var guard interface{ Err() error }
	if !j.AdvertiseRefs && j.Stdin != nil {
		switch j.Service {
		case UploadPack:
			g := newWantGuard(ctx, j.Stdin, reachability{git: r.git, dir: j.Dir}.check)
			c.Stdin, guard = g, g
		case ReceivePack:
			g := newFrameGuard(j.Stdin)
			c.Stdin, guard = g, g
		}
	}

	in, out := &countingReader{r: c.Stdin}, &countingWriter{w: c.Stdout}
	// A file (the SSH stdin pipe) stays one: git reads it directly, and a
	// copying goroutine would keep the run waiting on the client.
	if _, isFile := c.Stdin.(*os.File); c.Stdin != nil && !isFile {
		c.Stdin = in
	}
	if c.Stdout != nil {
		c.Stdout = out
	}
	start := time.Now()
	p, err := r.git.Start(ctx, c)
	if err != nil {
		return Result{Exit: -1}, err
	}
	r.runs.Add(1)
	r.running.Add(1)
	res, err := p.Wait()
	r.running.Add(-1)
	took := time.Since(start)
	r.log.Debug("git finished", "service", j.Service, "repo", j.Repo, "user", j.Who.Name(),
		"exit", res.Exit, "bytes_in", in.n, "bytes_out", out.n, "duration", took)
	if r.observe != nil {
		r.observe(RunStats{Transport: j.Who.Transport, Service: j.Service, In: in.n, Out: out.n, Exit: res.Exit, Duration: took})
	}
	if guard != nil && guard.Err() != nil && ctx.Err() == nil {
		// git saw the request end early because the guard ended it.
		return Result{Exit: res.Exit, Stderr: res.Stderr, In: in.n, Out: out.n}, fmt.Errorf("git %s: request refused: %w", j.Service, guard.Err())
	}
	return Result{Exit: res.Exit, Stderr: res.Stderr, In: in.n, Out: out.n}, err
}

// uploadPackConfig is given to every upload-pack, over whatever a
// repository's own configuration says. Partial clone needs the filters and,
// on protocol v0 and v1, wants of objects no ref names directly (its lazy
// fetches of blobs); git checks only commits for reachability there and
// nothing on v2, so the want guard checks every want on every version
// (see wantGuard). Only filters that read nothing from the repository are
// served: sparse:oid would read a blob named by the client.
var uploadPackConfig = []string{
	"uploadpack.allowFilter=true",
	// In this order: allowAnySHA1InWant=false clears the other two bits
	// as well, and the last one read wins.
	"uploadpack.allowAnySHA1InWant=false",
	"uploadpack.allowTipSHA1InWant=false",
	"uploadpack.allowReachableSHA1InWant=true",
	"uploadpack.allowRefInWant=false",
	"uploadpack.filter.allow=false",
	"uploadpack.filter.blob:none.allow=true",
	"uploadpack.filter.blob:limit.allow=true",
	"uploadpack.filter.tree.allow=true",
	"uploadpack.filter.object:type.allow=true",
	"transfer.advertiseObjectInfo=false",
}

// cmd builds the git command of a job. The only value not chosen by the
// server is the repository directory, which must be absolute and clean; the
// launcher places it after "--" (upload-archive takes no "--", and the
// launcher refuses an operand that could be an option).
func (r *Runner) cmd(j Job) (gitexec.Cmd, error) {
	if !filepath.IsAbs(j.Dir) || filepath.Clean(j.Dir) != j.Dir {
		return gitexec.Cmd{}, fmt.Errorf("run git %s: repository directory %q is not absolute and clean", j.Service, j.Dir)
	}
	c := gitexec.Cmd{Command: string(j.Service), Operands: []string{j.Dir}, Dir: j.Dir,
		Stdin: j.Stdin, Stdout: j.Stdout, Stderr: j.Stderr}
	switch j.Service {
	case UploadPack, ReceivePack:
		if j.Service == UploadPack {
			c.Options = append(c.Options, "--strict")
			c.Config = uploadPackConfig
		}
		if j.StatelessRPC {
			c.Options = append(c.Options, "--stateless-rpc")
		}
		if j.AdvertiseRefs {
			c.Options = append(c.Options, "--http-backend-info-refs")
		}
		return c, nil
	case UploadArchive:
		if j.StatelessRPC || j.AdvertiseRefs {
			return gitexec.Cmd{}, fmt.Errorf("run git %s: no stateless mode", j.Service)
		}
		c.NoDashDash = true
		return c, nil
	}
	return gitexec.Cmd{}, fmt.Errorf("run git: unknown service %q", j.Service)
}
