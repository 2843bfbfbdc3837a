package server

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// Variables the server puts in receive-pack's environment for the
// pre-receive hook.
const (
	EnvPushID     = "JITGIT_PUSH_ID"
	EnvHookSocket = "JITGIT_HOOK_SOCKET"
)

const (
	hookTimeout    = 30 * time.Second
	hookMaxRequest = 1 << 20
	// hookMaxUpdates bounds the ref updates of one push; a push of more is
	// refused whole, never checked in part.
	hookMaxUpdates = 5000
)

// Pushes is the in-memory registry of running pushes. Each receive-pack run
// is registered under a random id bound to who pushes and where, so that the
// pre-receive hook can ask for the re-check without being trusted with
// anything but the id. It is safe for concurrent use.
type Pushes struct {
	socket string
	// root holds a hooks directory per push and shared is the directory of
	// the pre-receive hook they link to; both are empty until HooksIn, and
	// until then a push with a refused ref is refused whole.
	root   string
	shared string
	// locker, when set, serialises the pushes of a repository across
	// nodes (LockWith).
	locker RepoLocker
	mu     sync.Mutex
	m      map[string]*push
}

type push struct {
	who  auth.Identity
	repo string
	// dir is this push's own hooks directory, or empty.
	dir     string
	checked bool
	// unlock releases the repository lock taken at the re-check.
	unlock func()
}

// NewPushes returns an empty registry whose hooks reach the HookServer on
// the unix socket path socket.
func NewPushes(socket string) *Pushes {
	return &Pushes{socket: socket, m: make(map[string]*push)}
}

// HooksIn gives each push a hooks directory of its own inside root
// (<data>/pushes, the launcher's OwnHooksRoot), holding only a link to the
// pre-receive hook in shared. git looks for the update hook before each ref
// and starts it once per ref when it exists, so it exists only in the
// directory of a push whose re-check refused some refs but not all, and a
// push with nothing refused starts no process per ref. HooksIn creates root
// (mode 0700) and removes what a server that stopped abruptly left there;
// call it before the first push.
func (p *Pushes) HooksIn(root, shared string) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("push hooks: %w", err)
	}
	if shared, err = filepath.Abs(shared); err != nil {
		return fmt.Errorf("push hooks: %w", err)
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("push hooks: %w", err)
	}
	if err := os.Chmod(root, 0o700); err != nil {
		return fmt.Errorf("push hooks: %w", err)
	}
	stale, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("push hooks: %w", err)
	}
	for _, e := range stale {
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return fmt.Errorf("push hooks: %w", err)
		}
	}
	p.root, p.shared = root, shared
	return nil
}

// Begin registers a push of who to repo and returns the variables to add to
// receive-pack's environment and the push's own hooks directory (empty
// without HooksIn). end removes the registration and that directory; call
// it when receive-pack has exited.
func (p *Pushes) Begin(who auth.Identity, repo string) (env []string, hooks string, end func(), err error) {
	id := rand.Text()
	ps := &push{who: who, repo: repo}
	env = []string{EnvPushID + "=" + id, EnvHookSocket + "=" + p.socket}
	if p.root != "" {
		// A name of its own, not the push id: the id is the hook's
		// credential and stays out of file names.
		dir := filepath.Join(p.root, rand.Text())
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, "", nil, fmt.Errorf("push hooks: %w", err)
		}
		if err := os.Symlink(filepath.Join(p.shared, "pre-receive"), filepath.Join(dir, "pre-receive")); err != nil {
			os.RemoveAll(dir)
			return nil, "", nil, fmt.Errorf("push hooks: %w", err)
		}
		ps.dir = dir
	}
	p.mu.Lock()
	p.m[id] = ps
	p.mu.Unlock()
	return env, ps.dir, func() {
		p.mu.Lock()
		delete(p.m, id)
		unlock := ps.unlock
		p.mu.Unlock()
		if unlock != nil {
			unlock()
		}
		if ps.dir != "" {
			os.RemoveAll(ps.dir)
		}
	}, nil
}

// take returns the push registered under id, once: a second check of the
// same push is refused.
func (p *Pushes) take(id string) (push, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps, ok := p.m[id]
	if !ok || ps.checked {
		return push{}, false
	}
	ps.checked = true
	return *ps, true
}

// InstallHooks writes the pre-receive hook into dir (the core.hooksPath of
// every git process but receive-pack, whose own directory links to it): a
// shell script that execs command followed by "hook pre-receive".
// command[0] must be an absolute path; every word is single-quoted, so no
// byte of it is interpreted by the shell.
func InstallHooks(dir string, command []string) error {
	if len(command) == 0 || !filepath.IsAbs(command[0]) {
		return errors.New("install hooks: the hook command must start with an absolute path")
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\nexec")
	for _, w := range append(command, "hook", "pre-receive") {
		if strings.IndexByte(w, 0) >= 0 {
			return errors.New("install hooks: the hook command contains a NUL byte")
		}
		b.WriteString(" " + shellQuote(w))
	}
	b.WriteString("\n")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install hooks: %w", err)
	}
	if err := writeHook(dir, "pre-receive", b.String()); err != nil {
		return fmt.Errorf("install hooks: %w", err)
	}
	// An update hook there from an earlier version would run for every ref
	// of a push that has no directory of its own.
	if err := os.Remove(filepath.Join(dir, "update")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("install hooks: %w", err)
	}
	return nil
}

// shellQuote single-quotes w for sh.
func shellQuote(w string) string {
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// refusedFile is the name of the list of refused refs in a push's hooks
// directory, beside the update hook that reads it.
const refusedFile = "refused"

// updateHook returns git's update hook for the push whose hooks directory
// is dir, run once per ref after pre-receive accepted the push. It is only
// written when the re-check refused some refs, after their list (the file
// refusedFile in dir, written only by the server); a missing list refuses
// every ref rather than letting one through. Each line of the list is
// "<ref> <message line>"; a ref name holds no space, so the first space
// ends it. The ref name ($1) comes from the client and is only ever
// compared, quoted, as data. A shell script, not the jitgit binary: it
// starts once per ref, and sh starts faster than a Go program.
func updateHook(dir string) string {
	return `#!/bin/sh
f=` + shellQuote(filepath.Join(dir, refusedFile)) + `
if ! [ -r "$f" ]; then
	echo "ref refused: the server's list of refused refs is missing" >&2
	exit 1
fi
refused=0
while IFS= read -r line; do
	case $line in
	"$1 "*)
		printf '%s\n' "${line#"$1 "}" >&2
		refused=1
		;;
	esac
done <"$f"
exit "$refused"
`
}

// writeHook replaces the hook name in dir with an executable file holding
// script, in one rename so a running git never sees half of it.
func writeHook(dir, name, script string) error {
	f, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(script); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o755); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, name))
}

// hookRequest is what the hook sends: the push id and the ref updates
// ("old new ref" lines) read from its stdin.
type hookRequest struct {
	Push    string   `json:"push"`
	Updates []string `json:"updates,omitempty"`
	// TooMany says the hook read more than hookMaxUpdates updates.
	TooMany    bool       `json:"too_many,omitempty"`
	Quarantine quarantine `json:"quarantine"`
}

// hookReply is the server's answer.
type hookReply struct {
	Allow   bool   `json:"allow"`
	Message string `json:"message,omitempty"`
}

// HookServerConfig configures a HookServer.
type HookServerConfig struct {
	// Socket is the unix socket path, <data>/hook.sock. A stale socket there
	// is replaced; any other file is an error.
	Socket string
	// PublicURL is the server's base URL, for the "Ask for access" line.
	PublicURL string
	// ExpiringSoon, when set, is the lead before a grant's end within
	// which an accepted push is told when the grant ends; Now is the
	// clock of it (time.Now).
	ExpiringSoon time.Duration
	Now          func() time.Time
	// Repos locates the repositories and runs git for the fast-forward
	// check of each ref update.
	Repos *Repos
}

// HookServer answers the pre-receive hooks of running pushes: for each it
// checks the pusher's credential again and asks again whether they may
// still write, so a grant that ended, or a token revoked, during the upload
// lands nothing.
type HookServer struct {
	a         PushRechecker
	lead      time.Duration
	now       func() time.Time
	pushes    *Pushes
	publicURL string
	repos     *Repos
	log       *slog.Logger
	ln        net.Listener
	wg        sync.WaitGroup
}

// ListenHooks creates the hook socket (mode 0600) and returns the server;
// call Serve to answer hooks.
func ListenHooks(cfg HookServerConfig, a PushRechecker, pushes *Pushes, log *slog.Logger) (*HookServer, error) {
	if fi, err := os.Lstat(cfg.Socket); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("hook socket %s: exists and is not a socket", cfg.Socket)
		}
		if err := os.Remove(cfg.Socket); err != nil {
			return nil, fmt.Errorf("hook socket: remove stale: %w", err)
		}
	}
	// Created under a strict umask, so there is no moment when others may
	// connect; the chmod below only makes sure.
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", cfg.Socket)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("hook socket: %w", err)
	}
	if err := os.Chmod(cfg.Socket, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("hook socket: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &HookServer{a: a, pushes: pushes, publicURL: cfg.PublicURL, repos: cfg.Repos, log: log, ln: ln, lead: cfg.ExpiringSoon, now: cfg.Now}, nil
}

// Serve answers hooks until ctx ends or Close is called, then waits for the
// answers in flight. It returns nil after a clean shutdown.
func (h *HookServer) Serve(ctx context.Context) error {
	// An answer begun is finished with the store still open, bounded by
	// hookTimeout: a re-check cut short would refuse a push that has
	// already uploaded.
	answerCtx := context.WithoutCancel(ctx)
	stop := context.AfterFunc(ctx, func() { h.ln.Close() })
	defer stop()
	defer h.wg.Wait()
	backoff := acceptRetry{name: "hook socket", log: h.log}
	for {
		conn, err := h.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			if backoff.retry(err) {
				continue
			}
			return fmt.Errorf("hook socket: %w", err)
		}
		backoff.ok()
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.answer(answerCtx, conn)
		}()
	}
}

// Close stops accepting hooks and removes the socket.
func (h *HookServer) Close() error {
	err := h.ln.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (h *HookServer) answer(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, hookTimeout)
	defer cancel()
	conn.SetDeadline(time.Now().Add(hookTimeout))
	reply := h.check(ctx, conn)
	if err := json.NewEncoder(conn).Encode(reply); err != nil {
		h.log.Warn("push re-check: reply not sent", "err", err)
	}
}

func (h *HookServer) check(ctx context.Context, conn net.Conn) hookReply {
	var req hookRequest
	line, err := bufio.NewReader(io.LimitReader(conn, hookMaxRequest)).ReadBytes('\n')
	if err != nil {
		h.log.Warn("push re-check: bad request", "err", err)
		return hookReply{Message: "push refused: the access re-check failed"}
	}
	if err := json.Unmarshal(line, &req); err != nil {
		h.log.Warn("push re-check: bad request", "err", err)
		return hookReply{Message: "push refused: the access re-check failed"}
	}
	p, ok := h.pushes.take(req.Push)
	if !ok {
		h.log.Warn("push re-check: unknown push id")
		return hookReply{Message: "push refused: this push is not known to the server"}
	}
	// Held until receive-pack exits: the re-check and the ref updates of
	// one repository happen on one node at a time.
	if err := h.pushes.lock(ctx, req.Push, p.repo); err != nil {
		h.log.Warn("push re-check: repository lock", "repo", p.repo, "err", err)
		return hookReply{Message: "push refused: another push to " + p.repo + " is still landing, or the cluster lock is unavailable; push again\n"}
	}
	who := p.who
	if !who.Anonymous() {
		// The user may have been disabled, left a group, or lost the token
		// or key that signed in during the upload.
		fresh, err := h.a.Revalidate(ctx, who)
		if err != nil {
			h.log.Info("push re-check: credentials no longer valid", "user", who.User, "repo", p.repo, "err", err)
			return hookReply{Message: "push refused: " + who.User + " can no longer sign in (" + strings.TrimPrefix(err.Error(), auth.ErrUnauthenticated.Error()+": ") + ")\n"}
		}
		who = fresh
	}
	d := h.a.Authorize(ctx, who, p.repo, auth.ActionWrite)
	h.log.Info("push re-check", "user", who.Name(), "repo", p.repo, "allowed", d.Allowed,
		"updates", len(req.Updates), "grant", d.Grant, "policy", d.Policy)
	if !d.Allowed {
		return hookReply{Message: "push refused: " + denyMessage(d, h.publicURL, p.repo, auth.ActionWrite)}
	}
	return h.checkRefs(ctx, who, p, req, d)
}

// checkRefs decides every ref update of an allowed push on its own, with
// the kind of each (a force is found by git). When every update is refused,
// or some are and the push has no hooks directory of its own, the whole
// push is refused and nothing of it lands. When only some are, the push
// goes on, and the refused refs and an update hook that refuses them one by
// one (all of them, if the client asked for an atomic push: git then lands
// none) are written into the push's hooks directory.
func (h *HookServer) checkRefs(ctx context.Context, who auth.Identity, p push, req hookRequest, pushDecision auth.Decision) hookReply {
	repo := p.repo
	if req.TooMany {
		return hookReply{Message: fmt.Sprintf("push refused: more than %d refs in one push; push them in parts\n", hookMaxUpdates)}
	}
	updates, err := parseUpdates(req.Updates)
	if err != nil {
		h.log.Warn("push re-check: bad ref update", "repo", repo, "err", err)
		return hookReply{Message: "push refused: " + err.Error() + "\n"}
	}
	if h.repos == nil {
		return hookReply{Message: "push refused: the ref check is not available\n"}
	}
	dir, err := h.repos.Path(repo)
	if err == nil {
		err = fastForwards(ctx, h.repos.Launcher, dir, req.Quarantine, updates)
	}
	if err != nil {
		h.log.Warn("push re-check: fast-forward check failed", "repo", repo, "err", err)
		return hookReply{Message: "push refused: the ref check failed; try again or tell an administrator\n"}
	}
	var refused []refusal
	for _, u := range updates {
		action := auth.RefAction(u)
		if d := h.a.Authorize(ctx, who, repo, action); !d.Allowed {
			refused = append(refused, refusal{ref: u.Name, message: denyMessage(d, h.publicURL, repo, action)})
		}
	}
	if len(refused) == 0 {
		return hookReply{Allow: true, Message: h.notice(pushDecision, repo)}
	}
	if len(refused) < len(updates) && p.dir != "" {
		err := refuseInPart(p.dir, refused)
		if err == nil {
			return hookReply{Allow: true, Message: h.notice(pushDecision, repo)}
		}
		h.log.Warn("push re-check: update hook not written; refusing the whole push", "repo", repo, "err", err)
	}
	var msg strings.Builder
	msg.WriteString("push refused: ")
	for _, r := range refused {
		msg.WriteString(r.message)
	}
	return hookReply{Message: msg.String()}
}

// refuseInPart writes the list of refused refs and then the update hook
// into a push's hooks directory dir, before the pre-receive hook is
// answered: git looks for the update hook only after pre-receive exits.
func refuseInPart(dir string, refused []refusal) error {
	if err := writeRefusals(filepath.Join(dir, refusedFile), refused); err != nil {
		return err
	}
	if err := writeHook(dir, "update", updateHook(dir)); err != nil {
		return fmt.Errorf("write update hook: %w", err)
	}
	return nil
}

// refusal is one refused ref update and what its pusher is told.
type refusal struct {
	ref     string
	message string
}

// writeRefusals writes the refusal file at path (mode 0600, a new file): a
// line "<ref> <message line>" per line of each refusal's message. A file
// that could not be written whole is removed, and the caller refuses the
// push: the update hook must never see a part of the list.
func writeRefusals(path string, refused []refusal) (err error) {
	var b strings.Builder
	for _, r := range refused {
		for line := range strings.SplitSeq(strings.TrimRight("ref refused: "+r.message, "\n"), "\n") {
			b.WriteString(r.ref + " " + line + "\n")
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write refusals: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
		}
	}()
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("write refusals: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write refusals: %w", err)
	}
	return nil
}

// RunPreReceiveHook is the pre-receive hook: it reads the ref updates from
// stdin, asks the running server (on the socket named in the environment)
// whether the push registered under the environment's push id may still
// land, prints a refusal to stderr (the client shows it as "remote: ..."),
// and returns the exit status for the hook: 0 to accept the push, 1 to
// refuse it. Anything unexpected refuses.
func RunPreReceiveHook(env func(string) string, stdin io.Reader, stderr io.Writer) int {
	refuse := func(msg string) int {
		fmt.Fprintln(stderr, strings.TrimRight(msg, "\n"))
		return 1
	}
	id, sock := env(EnvPushID), env(EnvHookSocket)
	if id == "" || sock == "" {
		return refuse("push refused: the access re-check is not available")
	}
	req := hookRequest{Push: id, Quarantine: quarantine{Path: env("GIT_QUARANTINE_PATH")}}
	sc := bufio.NewScanner(stdin)
	for sc.Scan() {
		if len(req.Updates) < hookMaxUpdates {
			req.Updates = append(req.Updates, sc.Text())
		} else {
			req.TooMany = true
		}
	}
	io.Copy(io.Discard, stdin) // git expects the hook to take all of stdin
	conn, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return refuse("push refused: the access re-check is not available")
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(hookTimeout))
	b, err := json.Marshal(req)
	if err != nil {
		return refuse("push refused: the access re-check failed")
	}
	if _, err := conn.Write(append(b, '\n')); err != nil {
		return refuse("push refused: the access re-check failed")
	}
	var reply hookReply
	if err := json.NewDecoder(io.LimitReader(conn, hookMaxRequest)).Decode(&reply); err != nil {
		return refuse("push refused: the access re-check failed")
	}
	if !reply.Allow {
		if reply.Message == "" {
			reply.Message = "push refused"
		}
		return refuse(reply.Message)
	}
	if reply.Message != "" {
		// A notice of an accepted push: the grant ends soon.
		fmt.Fprintln(stderr, strings.TrimRight(reply.Message, "\n"))
	}
	return 0
}

// notice is the expiry line of an accepted push, or empty.
func (h *HookServer) notice(d auth.Decision, repo string) string {
	now := time.Now
	if h.now != nil {
		now = h.now
	}
	return expiryNotice(d, now(), h.lead, h.publicURL, repo, auth.LevelWrite)
}
