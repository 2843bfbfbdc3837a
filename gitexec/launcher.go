// Package gitexec starts every git process of the server. A Launcher owns
// what must hold for all of them: an environment built from scratch, an
// argv in which only the server chooses options, hooks taken from the
// server's hooks directory and never from a repository, and a process group
// that is killed as a whole when the caller gives up.
package gitexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Config configures a Launcher.
type Config struct {
	// Git is the git binary. Default: "git" looked up in the server's PATH.
	Git string
	// Path is the PATH of every git process. Default: the server's PATH
	// when New is called.
	Path string
	// HooksDir is core.hooksPath of every git process, so that hooks inside
	// repositories never run. Required; made absolute.
	HooksDir string
	// OwnHooksRoot is the directory inside which the server makes a hooks
	// directory of its own for one process (a push), named by Cmd.HooksDir.
	// Empty: every process uses HooksDir. Made absolute.
	OwnHooksRoot string
	// KillWait bounds how long a killed process may keep its pipes open.
	// Default 5s.
	KillWait time.Duration
	// Settings are "key=value" given to every git process as -c, before
	// each Cmd's own Config: what repositories on storage shared by
	// several servers need (SharedStorageSettings).
	Settings []string
}

// SharedStorageSettings are the git settings of repositories several
// servers write on shared storage: objects and refs reach the disk before
// git reports them written (a node that dies leaves no ref to an object
// another node cannot read), and no git process starts a gc on its own
// (receive-pack's and fetch's gc --auto would run on two nodes at once);
// gc and purge run under the repository lock instead.
var SharedStorageSettings = []string{"core.fsync=committed", "core.fsyncMethod=fsync", "receive.autogc=false", "gc.auto=0", "maintenance.auto=false"}

// Launcher starts git processes. It is safe for concurrent use.
type Launcher struct {
	git      string
	path     string
	hooks    string
	ownHooks string
	killWait time.Duration
	settings []string
}

// New checks cfg, finds the git binary and returns a Launcher.
func New(cfg Config) (*Launcher, error) {
	if cfg.Git == "" {
		cfg.Git = "git"
	}
	git, err := exec.LookPath(cfg.Git)
	if err != nil {
		return nil, fmt.Errorf("git launcher: %w", err)
	}
	if git, err = filepath.Abs(git); err != nil {
		return nil, fmt.Errorf("git launcher: %w", err)
	}
	if cfg.Path == "" {
		cfg.Path = os.Getenv("PATH")
	}
	if cfg.HooksDir == "" {
		return nil, errors.New("git launcher: no hooks directory configured")
	}
	hooks, err := filepath.Abs(cfg.HooksDir)
	if err != nil {
		return nil, fmt.Errorf("git launcher: hooks directory: %w", err)
	}
	var ownHooks string
	if cfg.OwnHooksRoot != "" {
		if ownHooks, err = filepath.Abs(cfg.OwnHooksRoot); err != nil {
			return nil, fmt.Errorf("git launcher: own hooks root: %w", err)
		}
	}
	if cfg.KillWait <= 0 {
		cfg.KillWait = 5 * time.Second
	}
	for _, kv := range cfg.Settings {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || strings.HasPrefix(k, "-") || pinnedConfig[strings.ToLower(k)] {
			return nil, fmt.Errorf("git launcher: setting %q is not allowed", kv)
		}
	}
	return &Launcher{git: git, path: cfg.Path, hooks: hooks, ownHooks: ownHooks, killWait: cfg.KillWait, settings: cfg.Settings}, nil
}

// DefaultStderrTail is how much of stderr a Result keeps unless Cmd says.
const DefaultStderrTail = 64 << 10

// Cmd is one git process: git [-c ...] Command Options... -- Operands...
type Cmd struct {
	// Config is extra configuration as "key=value", given to git as -c
	// options. It cannot touch what the launcher pins (core.hooksPath,
	// core.fsmonitor).
	Config []string
	// Command is the git command, such as "upload-pack".
	Command string
	// Options are the command's options; each must start with "-". They are
	// the server's own choice, never client input.
	Options []string
	// Operands come after "--", so none can be taken for an option, however
	// it is spelled.
	Operands []string
	// NoDashDash is for the commands that take no "--" (upload-archive):
	// the operands follow the options directly, and one that is empty or
	// starts with "-" is refused.
	NoDashDash bool

	// HooksDir, when set, is this process's core.hooksPath instead of the
	// launcher's: a directory directly inside Config.OwnHooksRoot, given as
	// an absolute, clean path, and a directory rather than a symlink. The
	// server makes one per push so that the update hook exists only for a
	// push that needs it; any other path is refused.
	HooksDir string

	// Dir is the working directory.
	Dir string
	// Env is added to the launcher's environment as "KEY=VALUE". It cannot
	// replace a variable the launcher sets, nor set GIT_PROTOCOL.
	Env []string
	// Protocol is GIT_PROTOCOL; only "version=0", "version=1" and
	// "version=2" are accepted, and an empty one sets nothing.
	Protocol string

	Stdin  io.Reader // nil: empty
	Stdout io.Writer // nil: discarded
	Stderr io.Writer // optional; stderr is also kept in Result.Stderr
	// StderrTail is how many of the last bytes of stderr Result keeps.
	// Default DefaultStderrTail.
	StderrTail int
}

// Result is how a git process ended.
type Result struct {
	Exit   int    // exit status; -1 when killed by a signal
	Stderr string // the end of stderr, at most Cmd.StderrTail bytes
}

// Process is a started git process.
type Process struct {
	ctx  context.Context
	name string
	cmd  *exec.Cmd
	tail *tailBuffer
}

// ValidProtocol reports whether v may be passed to git as GIT_PROTOCOL.
// The empty value, meaning none, is valid.
func ValidProtocol(v string) bool {
	switch v {
	case "", "version=0", "version=1", "version=2":
		return true
	}
	return false
}

// baseEnv is the environment every git process starts from: nothing
// inherited, no system or global configuration, no HOME, no prompts.
func (l *Launcher) baseEnv() []string {
	return []string{
		"PATH=" + l.path,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_NO_REPLACE_OBJECTS=1",
		"LC_ALL=C",
	}
}

var (
	commandName = regexp.MustCompile(`^[a-z][a-z-]*$`)
	// pinnedConfig are the keys the launcher sets for every process; git
	// keys are case-insensitive, and a later -c would win.
	pinnedConfig = map[string]bool{"core.hookspath": true, "core.fsmonitor": true}
	// configKeyVar is how git takes configuration from the environment
	// (GIT_CONFIG_COUNT and its numbered keys), which Cmd.Env may use, but
	// not for a pinned key.
	configKeyVar = regexp.MustCompile(`^GIT_CONFIG_KEY_[0-9]+$`)
)

// hooksDir returns the core.hooksPath of c: the launcher's, or c's own
// once it is checked to be a directory the server made for it.
func (l *Launcher) hooksDir(c Cmd) (string, error) {
	if c.HooksDir == "" {
		return l.hooks, nil
	}
	if l.ownHooks == "" {
		return "", fmt.Errorf("git %s: no own hooks directory may be given: none configured", c.Command)
	}
	if !filepath.IsAbs(c.HooksDir) || filepath.Clean(c.HooksDir) != c.HooksDir || filepath.Dir(c.HooksDir) != l.ownHooks {
		return "", fmt.Errorf("git %s: hooks directory %q is not directly inside %s", c.Command, c.HooksDir, l.ownHooks)
	}
	fi, err := os.Lstat(c.HooksDir)
	if err != nil {
		return "", fmt.Errorf("git %s: hooks directory: %w", c.Command, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("git %s: hooks directory %q is not a directory", c.Command, c.HooksDir)
	}
	return c.HooksDir, nil
}

// argv checks c and builds git's arguments.
func (l *Launcher) argv(c Cmd) ([]string, error) {
	if !commandName.MatchString(c.Command) {
		return nil, fmt.Errorf("git: command %q is not a git command name", c.Command)
	}
	hooks, err := l.hooksDir(c)
	if err != nil {
		return nil, err
	}
	args := []string{
		"-c", "core.hooksPath=" + hooks,
		"-c", "core.fsmonitor=false",
	}
	for _, kv := range l.settings {
		args = append(args, "-c", kv)
	}
	for _, kv := range c.Config {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.HasPrefix(k, "-") || pinnedConfig[strings.ToLower(k)] {
			return nil, fmt.Errorf("git %s: configuration %q is not allowed", c.Command, kv)
		}
		args = append(args, "-c", kv)
	}
	args = append(args, c.Command)
	for _, o := range c.Options {
		if !strings.HasPrefix(o, "-") || o == "--" {
			return nil, fmt.Errorf("git %s: %q is not an option", c.Command, o)
		}
		args = append(args, o)
	}
	if c.NoDashDash {
		for _, op := range c.Operands {
			if op == "" || strings.HasPrefix(op, "-") {
				return nil, fmt.Errorf("git %s: operand %q could be taken for an option", c.Command, op)
			}
		}
	} else if len(c.Operands) > 0 {
		args = append(args, "--")
	}
	return append(args, c.Operands...), nil
}

// env checks c and builds git's environment.
func (l *Launcher) env(c Cmd) ([]string, error) {
	env := l.baseEnv()
	set := make(map[string]bool, len(env)+len(c.Env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	set["GIT_PROTOCOL"] = true
	for _, kv := range c.Env {
		k, v, ok := strings.Cut(kv, "=")
		// GIT_CONFIG_PARAMETERS is where git keeps -c options, and a
		// numbered GIT_CONFIG_KEY_n another way in: either could carry a
		// pinned key past the pinned -c.
		if !ok || k == "" || set[k] || k == "GIT_CONFIG_PARAMETERS" ||
			configKeyVar.MatchString(k) && pinnedConfig[strings.ToLower(strings.TrimSpace(v))] {
			return nil, fmt.Errorf("git %s: environment variable %q is not allowed", c.Command, k)
		}
		set[k] = true
		env = append(env, kv)
	}
	if !ValidProtocol(c.Protocol) {
		return nil, fmt.Errorf("git %s: GIT_PROTOCOL %q is not supported", c.Command, c.Protocol)
	}
	if c.Protocol != "" {
		env = append(env, "GIT_PROTOCOL="+c.Protocol)
	}
	return env, nil
}

// Start checks c and starts git in a process group of its own. When ctx
// ends, the whole group is killed; nothing is started when c is refused.
func (l *Launcher) Start(ctx context.Context, c Cmd) (*Process, error) {
	args, err := l.argv(c)
	if err != nil {
		return nil, err
	}
	env, err := l.env(c)
	if err != nil {
		return nil, err
	}
	max := c.StderrTail
	if max <= 0 {
		max = DefaultStderrTail
	}
	tail := &tailBuffer{max: max}
	cmd := exec.CommandContext(ctx, l.git, args...)
	cmd.Env = env
	cmd.Dir = c.Dir
	cmd.Stdin = c.Stdin
	cmd.Stdout = c.Stdout
	if c.Stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, c.Stderr)
	} else {
		cmd.Stderr = tail
	}
	// A git process forks helpers (pack-objects, index-pack, hooks); killing
	// only git would leave them holding the repository and the client's pipes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = l.killWait
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git %s: %w", c.Command, err)
	}
	return &Process{ctx: ctx, name: c.Command, cmd: cmd, tail: tail}, nil
}

// Wait waits for the process to end. A non-zero exit is reported in Result,
// not as an error; the error says that the process was killed because its
// context ended, or that it could not be waited for.
func (p *Process) Wait() (Result, error) {
	res, _, err := p.wait()
	return res, err
}

// wait is Wait that also returns how git exited, when it exited non-zero.
func (p *Process) wait() (Result, *exec.ExitError, error) {
	err := p.cmd.Wait()
	res := Result{Exit: p.cmd.ProcessState.ExitCode(), Stderr: p.tail.String()}
	if err != nil && p.ctx.Err() != nil {
		return res, nil, fmt.Errorf("git %s: killed: %w", p.name, context.Cause(p.ctx))
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return res, exit, nil
	}
	if err != nil {
		return res, nil, fmt.Errorf("git %s: %w", p.name, err)
	}
	return res, nil, nil
}

// Run starts git and waits for it, as Start and Wait do.
func (l *Launcher) Run(ctx context.Context, c Cmd) (Result, error) {
	p, err := l.Start(ctx, c)
	if err != nil {
		return Result{Exit: -1}, err
	}
	return p.Wait()
}

// Output runs git and returns its stdout. Unlike Run, a non-zero exit is an
// error, and it carries the end of stderr.
func (l *Launcher) Output(ctx context.Context, c Cmd) ([]byte, error) {
	var stdout bytes.Buffer
	if c.Stdout != nil {
		return nil, fmt.Errorf("git %s: Output collects stdout itself", c.Command)
	}
	c.Stdout = &stdout
	p, err := l.Start(ctx, c)
	if err != nil {
		return nil, err
	}
	res, exit, err := p.wait()
	if err != nil {
		return nil, err
	}
	if exit != nil {
		if msg := strings.TrimSpace(res.Stderr); msg != "" {
			return nil, fmt.Errorf("git %s (%w): %s", c.Command, exit, msg)
		}
		return nil, fmt.Errorf("git %s: %w", c.Command, exit)
	}
	return stdout.Bytes(), nil
}
