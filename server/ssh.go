package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// Limits used when SSHConfig leaves them zero.
const (
	DefaultSSHMaxSessionsPerConn = 10
	DefaultSSHMaxConnsPerAddr    = 256
	DefaultSSHIdleTimeout        = 10 * time.Minute
	DefaultSSHAuthTimeout        = 30 * time.Second
	DefaultSSHMaxAuthTries       = 6
)

// Permissions.Extensions keys set for a public key authentication.
const (
	extKey         = "jitgit-key"         // the key in SSH wire format
	extFingerprint = "jitgit-fingerprint" // its SHA256 fingerprint
)

// Exit statuses the server sends when it runs no git.
const (
	exitDenied  = 1
	exitRefused = 128
)

// SSHConfig configures the SSH transport.
type SSHConfig struct {
	// HostKey is the server's host key (see LoadHostKey). Required.
	HostKey ssh.Signer
	// HostKeys are more host keys, of other types, offered as well (see
	// LoadHostKeys).
	HostKeys []ssh.Signer
	// PublicURL is the server's HTTP base URL, for the "Ask for access"
	// line and the HTTP clone URLs in the greeting.
	PublicURL string
	// SSHURL is the base of SSH clone URLs, e.g. "ssh://git@git.example.com:2222".
	SSHURL string
	// MaxSessionsPerConn bounds the open sessions (channels) of one
	// connection. Default DefaultSSHMaxSessionsPerConn.
	MaxSessionsPerConn int
	// MaxConnsPerAddr bounds the open connections from one IP address,
	// authenticated or not. Default DefaultSSHMaxConnsPerAddr.
	MaxConnsPerAddr int
	// MaxStartups is the budget of unauthenticated connections of the
	// server, MaxStartupsPerAddr that of one address (see Startups).
	// Defaults DefaultSSHStartups and DefaultSSHStartupsPerAddr.
	MaxStartups, MaxStartupsPerAddr Startups
	// MaxConnsPerUser bounds the authenticated connections of one user;
	// anonymous connections count per address. Default
	// DefaultSSHMaxConnsPerUser.
	MaxConnsPerUser int
	// IdleTimeout closes a connection that sent and received nothing for
	// this long, and a session that asked for no command in this time.
	// Default DefaultSSHIdleTimeout.
	IdleTimeout time.Duration
	// AuthTimeout bounds the handshake and authentication of a connection.
	// Default DefaultSSHAuthTimeout.
	AuthTimeout time.Duration
	// MaxAuthTries bounds the failed authentication attempts of a
	// connection. Default DefaultSSHMaxAuthTries.
	MaxAuthTries int
	// Now is the clock of the greeting's "ends in": the service's.
	// Default time.Now.
	Now func() time.Time
	// ExpiringSoon, when set, is the lead before a grant's end within
	// which the greeting marks it and a fetch is told when it ends (a push
	// is told by the re-check).
	ExpiringSoon time.Duration
}

// SSHAuthority is what the SSH transport needs from the access domain:
// the Authority of every transport, the owner of a public key, and the
// caller's own grants and requests for the greeting.
type SSHAuthority interface {
	Authority
	// IdentityForKey returns the identity owning the key that signed an
	// SSH authentication; the error wraps auth.ErrUnauthenticated for
	// unknown keys and disabled users.
	IdentityForKey(ctx context.Context, key ssh.PublicKey) (auth.Identity, error)
	// ListGrants lists the grants the actor may see.
	ListGrants(ctx context.Context, actor auth.Identity, f service.GrantFilter) ([]auth.Grant, error)
	// ListRequests lists the requests the actor may see.
	ListRequests(ctx context.Context, actor auth.Identity, f service.RequestFilter) ([]auth.Request, error)
}

var _ SSHAuthority = (*service.Service)(nil)

// SSH is the Git transport over SSH. It runs
//
//	git-upload-pack 'owner/name.git'
//	git-receive-pack 'owner/name.git'
//	git-upload-archive 'owner/name.git'
//
// (see ParseSSHCommand) through the shared Runner, each authorized on its
// own when it runs, and answers a session without a command with a
// greeting. It offers no shell, PTY, forwarding, agent or subsystem.
//
// The identity is the registered key that signed the authentication. An
// unknown key is refused (so the client can try its next key) and a client
// with no registered key is let in as anonymous through a
// keyboard-interactive round without questions; Authorize then decides for
// every command as for any anonymous client. Authentication method "none"
// is refused, because OpenSSH tries it first and accepting it would make
// every client anonymous.
type SSH struct {
	cfg    SSHConfig
	a      SSHAuthority
	run    *Runner
	repos  *Repos
	log    *slog.Logger
	config *ssh.ServerConfig

	mu             sync.Mutex
	closed         bool
	draining       bool // Shutdown began: no new sessions, idle connections end
	lns            map[net.Listener]struct{}
	conns          map[net.Conn]*connState
	perAddr        map[string]int // open connections per address
	preAuth        int            // unauthenticated connections
	preAuthPerAddr map[string]int
	perUser        map[string]int // authenticated connections per user
	wg             sync.WaitGroup
}

// NewSSH returns the SSH transport; call Serve to accept connections.
func NewSSH(cfg SSHConfig, a SSHAuthority, run *Runner, repos *Repos, log *slog.Logger) (*SSH, error) {
	if cfg.HostKey == nil && len(cfg.HostKeys) == 0 {
		return nil, errors.New("SSH server: no host key configured")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxSessionsPerConn <= 0 {
		cfg.MaxSessionsPerConn = DefaultSSHMaxSessionsPerConn
	}
	if cfg.MaxConnsPerAddr <= 0 {
		cfg.MaxConnsPerAddr = DefaultSSHMaxConnsPerAddr
	}
	if cfg.MaxStartups.Start <= 0 {
		cfg.MaxStartups = DefaultSSHStartups
	}
	if cfg.MaxStartupsPerAddr.Start <= 0 {
		cfg.MaxStartupsPerAddr = DefaultSSHStartupsPerAddr
	}
	if cfg.MaxConnsPerUser <= 0 {
		cfg.MaxConnsPerUser = DefaultSSHMaxConnsPerUser
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultSSHIdleTimeout
	}
	if cfg.AuthTimeout <= 0 {
		cfg.AuthTimeout = DefaultSSHAuthTimeout
	}
	if cfg.MaxAuthTries <= 0 {
		cfg.MaxAuthTries = DefaultSSHMaxAuthTries
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &SSH{cfg: cfg, a: a, run: run, repos: repos, log: log,
		lns: map[net.Listener]struct{}{}, conns: map[net.Conn]*connState{}, perAddr: map[string]int{},
		preAuthPerAddr: map[string]int{}, perUser: map[string]int{}}
	s.config = &ssh.ServerConfig{
		ServerVersion:               "SSH-2.0-jitgit",
		MaxAuthTries:                cfg.MaxAuthTries,
		PublicKeyCallback:           s.publicKey,
		KeyboardInteractiveCallback: s.anonymous,
	}
	for _, k := range append([]ssh.Signer{cfg.HostKey}, cfg.HostKeys...) {
		if k != nil {
			s.config.AddHostKey(k)
		}
	}
	return s, nil
}

// publicKey accepts a key that belongs to a user. It is called for keys
// merely offered as well as for the key that signs, so it decides nothing
// but records the key in the Permissions; only the Permissions of the
// successful authentication reach ServerConn.Permissions.
func (s *SSH) publicKey(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AuthTimeout)
	defer cancel()
	// A key the store cannot look up now is let in (its signature is still
	// checked), so that its session hears why it is refused instead of
	// being taken for an unknown key.
	if _, err := s.a.IdentityForKey(ctx, key); err != nil && !errors.Is(err, auth.ErrUnavailable) {
		return nil, fmt.Errorf("SSH key %s: %w", ssh.FingerprintSHA256(key), err)
	}
	return &ssh.Permissions{Extensions: map[string]string{
		extKey:         string(key.Marshal()),
		extFingerprint: ssh.FingerprintSHA256(key),
	}}, nil
}

// anonymous lets a client that has no registered key in as anonymous
// without asking anything.
func (s *SSH) anonymous(meta ssh.ConnMetadata, _ ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
	return &ssh.Permissions{}, nil
}

// Serve accepts connections on ln until Close is called; it returns nil
// then.
func (s *SSH) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return errors.New("SSH server: closed")
	}
	s.lns[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.lns, ln)
		s.mu.Unlock()
	}()
	backoff := acceptRetry{name: "ssh", log: s.log}
	for {
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			if backoff.retry(err) {
				continue
			}
			return fmt.Errorf("SSH server: %w", err)
		}
		backoff.ok()
		if !s.admit(nc) {
			nc.Close()
			continue
		}
		go s.handleConn(nc)
	}
}

// admit registers a new connection unless the server is closing or the
// budgets refuse it (see admitLocked); the caller then runs handleConn,
// which releases it. A refused client is told why before it is closed.
func (s *SSH) admit(nc net.Conn) bool {
	host := remoteHost(nc.RemoteAddr().String())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	now := s.cfg.Now()
	if why := s.admitLocked(host, now); why != "" {
		s.mu.Unlock()
		s.log.Warn("ssh: connection refused", "remote", nc.RemoteAddr(), "too many", why)
		// Into a fresh socket's buffer; the deadline only bounds a
		// client that shrank it to nothing.
		nc.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		io.WriteString(nc, preAuthRefusal)
		return false
	}
	defer s.mu.Unlock()
	s.perAddr[host]++
	s.preAuth++
	s.preAuthPerAddr[host]++
	s.conns[nc] = &connState{host: host, opened: now}
	s.wg.Add(1)
	return true
}

func (s *SSH) release(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(nc)
}

// Shutdown stops accepting connections and sessions, ends the connections
// that run no session, and waits for the sessions running to finish, each
// connection ending with its last session. When ctx ends first it does what
// Close does and returns ctx's error. It returns nil once every connection
// has ended.
func (s *SSH) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed, s.draining = true, true
	for ln := range s.lns {
		ln.Close()
	}
	for nc, st := range s.conns {
		if st.sessions == 0 {
			hangUp(nc)
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.Close()
		return fmt.Errorf("SSH server: sessions cut short: %w", context.Cause(ctx))
	}
}

// hangUp ends a connection by closing only its sending side when it can,
// so that what was already written (a command's last output and exit
// status) still reaches the client, which then closes the connection.
func hangUp(nc net.Conn) {
	if hc, ok := nc.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
		return
	}
	nc.Close()
}

// beginSession counts a new session of nc, unless Shutdown has begun.
func (s *SSH) beginSession(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining || s.conns[nc] == nil {
		return false
	}
	s.conns[nc].sessions++
	return true
}

// endSession counts a session of nc as finished; during Shutdown the
// connection ends with its last session.
func (s *SSH) endSession(nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.conns[nc]
	if st == nil {
		return
	}
	st.sessions--
	if s.draining && st.sessions == 0 {
		hangUp(nc)
	}
}

// Close stops accepting, closes every connection (which kills their git
// processes) and waits for them to finish.
func (s *SSH) Close() error {
	s.mu.Lock()
	s.closed = true
	for ln := range s.lns {
		ln.Close()
	}
	for nc := range s.conns {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// authenticated counts nc, authenticated as sc, against its user's limit
// and returns why it is refused, or "".
func (s *SSH) authenticated(nc net.Conn, sc *ssh.ServerConn) string {
	user := "anonymous@" + remoteHost(nc.RemoteAddr().String())
	if raw, ok := sc.Permissions.Extensions[extKey]; ok {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.AuthTimeout)
		defer cancel()
		if key, err := ssh.ParsePublicKey([]byte(raw)); err == nil {
			if who, err := s.a.IdentityForKey(ctx, key); err == nil {
				user = who.User
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authenticatedLocked(nc, user)
}

// handleConn runs one connection: the handshake within AuthTimeout, then
// its sessions until the client or the idle timeout closes it.
func (s *SSH) handleConn(nc net.Conn) {
	defer s.wg.Done()
	defer s.release(nc)
	defer nc.Close()
	ic := &idleConn{Conn: nc, idle: s.cfg.IdleTimeout, authDeadline: time.Now().Add(s.cfg.AuthTimeout)}
	sc, chans, reqs, err := ssh.NewServerConn(ic, s.config)
	if err != nil {
		s.log.Info("ssh: handshake failed", "remote", nc.RemoteAddr(), "err", err)
		return
	}
	ic.authenticated()
	defer sc.Close()
	if why := s.authenticated(nc, sc); why != "" {
		// The client is in: it hears why from the refusal of its
		// session, in its own terms (OpenSSH prints it).
		s.log.Warn("ssh: connection refused after authentication", "remote", nc.RemoteAddr(), "why", why)
		go ssh.DiscardRequests(reqs)
		for nch := range chans {
			nch.Reject(ssh.ResourceShortage, why)
			break
		}
		return
	}
	s.log.Info("ssh: connected", "remote", nc.RemoteAddr(), "key", sc.Permissions.Extensions[extFingerprint],
		"client", printableASCII(string(sc.ClientVersion())))

	// No global request is served: tcpip-forward, streamlocal-forward,
	// no-more-sessions, keepalives all get a failure reply.
	go ssh.DiscardRequests(reqs)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sessions sync.WaitGroup
	var open atomic.Int32
	for nch := range chans {
		if t := nch.ChannelType(); t != "session" {
			s.log.Info("ssh: channel refused", "remote", nc.RemoteAddr(), "type", printableASCII(t))
			nch.Reject(ssh.Prohibited, "jitgit serves Git only: no port forwarding or other channels")
			continue
		}
		if int(open.Load()) >= s.cfg.MaxSessionsPerConn {
			nch.Reject(ssh.ResourceShortage, fmt.Sprintf("too many sessions on one connection (at most %d)", s.cfg.MaxSessionsPerConn))
			continue
		}
		if !s.beginSession(nc) {
			nch.Reject(ssh.ResourceShortage, "the server is shutting down")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			s.endSession(nc)
			continue
		}
		open.Add(1)
		sessions.Add(1)
		go func() {
			defer sessions.Done()
			defer s.endSession(nc)
			defer open.Add(-1)
			s.session(ctx, sc, ch, creqs)
		}()
	}
	cancel()
	sessions.Wait()
}

// session serves one session channel: env requests, then one exec (a Git
// command) or shell (the greeting). Everything else is refused. The
// command's process is killed when the channel or the connection ends.
func (s *SSH) session(ctx context.Context, sc *ssh.ServerConn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	started := false
	defer func() {
		cancel()
		if started {
			<-done
		}
		ch.Close()
		go ssh.DiscardRequests(reqs)
	}()
	var proto string
	idle := time.NewTimer(s.cfg.IdleTimeout)
	defer idle.Stop()
	start := func(run func() uint32) {
		started = true
		idle.Stop()
		go func() {
			defer close(done)
			status := run()
			ch.CloseWrite()
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
			ch.Close()
		}()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
			s.log.Info("ssh: session idle, closed", "remote", sc.RemoteAddr())
			return
		case <-done:
			return
		case req, ok := <-reqs:
			if !ok {
				return // the client closed the channel: stop git
			}
			switch {
			case req.Type == "env" && !started:
				var kv struct{ Name, Value string }
				ok := ssh.Unmarshal(req.Payload, &kv) == nil && kv.Name == "GIT_PROTOCOL"
				if ok {
					var err error
					_, err = ValidateProtocol(kv.Value)
					ok = err == nil
				}
				if ok {
					proto = kv.Value
				}
				req.Reply(ok, nil)
			case req.Type == "exec" && !started:
				var cmd struct{ Command string }
				if err := ssh.Unmarshal(req.Payload, &cmd); err != nil {
					req.Reply(false, nil)
					continue
				}
				req.Reply(true, nil)
				p := proto
				start(func() uint32 { return s.exec(ctx, sc, ch, p, cmd.Command) })
			case req.Type == "shell" && !started:
				req.Reply(true, nil)
				start(func() uint32 { return s.greet(ctx, sc, ch) })
			default:
				// pty-req, subsystem (sftp), x11-req,
				// auth-agent-req@openssh.com, signal, window-change,
				// a second command, ...
				s.log.Debug("ssh: request refused", "remote", sc.RemoteAddr(), "type", printableASCII(req.Type))
				req.Reply(false, nil)
			}
		}
	}
}

// exec runs one Git command and returns its exit status. The command is
// parsed and authorized before anything runs; the identity is loaded again
// from the signing key, so a removed key or a changed group applies to open
// connections too.
func (s *SSH) exec(ctx context.Context, sc *ssh.ServerConn, ch ssh.Channel, proto, command string) uint32 {
	stderr := ch.Stderr()
	svc, name, err := ParseSSHCommand(command)
	if err != nil {
		s.log.Info("ssh: command refused", "remote", sc.RemoteAddr(), "err", err)
		who := s.identity(ctx, sc)
		if rerr := s.a.RecordRefusal(ctx, service.Refusal{Action: "ssh.command", Transport: "ssh", Remote: who.Remote, Who: who,
			What: command, Reason: "not a Git command this server runs"}); rerr != nil {
			s.log.Warn("ssh: refusal not audited", "remote", sc.RemoteAddr(), "err", rerr)
		}
		fmt.Fprintf(stderr, "jitgit: %v\n", err)
		return exitRefused
	}
	who, err := s.lookupIdentity(ctx, sc)
	if err != nil {
		s.log.Warn("git ssh: the store cannot answer; refusing", "remote", sc.RemoteAddr(), "repo", name, "err", err)
		io.WriteString(stderr, StoreUnavailableMessage+"\n")
		return exitRefused
	}
	action := svc.Action()
	d := s.a.Authorize(ctx, who, name, action)
	if !d.Allowed {
		s.log.Info("git ssh denied", "user", who.Name(), "remote", who.Remote, "repo", name, "service", svc, "reason", d.Reason)
		msg := denyLine(ctx, s.a, who, d, s.cfg.PublicURL, name, action)
		if who.Anonymous() {
			msg += keyHint(s.cfg.PublicURL)
		}
		io.WriteString(stderr, msg)
		if readsStderrLate(sc.ClientVersion()) {
			ch.Write(pktLine("ERR " + strings.TrimSuffix(msg, "\n")))
		}
		return exitDenied
	}
	dir, err := s.repos.Path(name)
	if err != nil || !s.repos.Exists(name) {
		io.WriteString(stderr, "jitgit: repository not found\n")
		return exitRefused
	}
	if svc != ReceivePack {
		io.WriteString(stderr, expiryNotice(d, s.cfg.Now(), s.cfg.ExpiringSoon, s.cfg.PublicURL, name, action.Level))
	}
	// git reads its stdin from a pipe the server owns, so that the run
	// ends when git exits even if the client keeps the channel open.
	pr, pw, err := os.Pipe()
	if err != nil {
		s.log.Warn("git ssh: stdin pipe", "err", err)
		io.WriteString(stderr, "jitgit: the server could not run git\n")
		return exitRefused
	}
	go func() {
		io.Copy(pw, ch)
		pw.Close()
	}()
	start := time.Now()
	res, err := s.run.Run(ctx, Job{Service: svc, Repo: name, Dir: dir, Who: who, Protocol: proto,
		Stdin: pr, Stdout: ch, Stderr: stderr})
	pr.Close()
	pw.Close()
	attrs := []any{"user", who.Name(), "remote", who.Remote, "repo", name, "service", svc,
		"protocol", proto, "exit", res.Exit, "bytes_out", res.Out, "duration", time.Since(start)}
	switch {
	case ctx.Err() != nil:
		s.log.Info("git ssh: client went away", attrs...)
		return exitRefused
	case errors.As(err, new(*ProtocolError)):
		s.log.Info("git ssh: request refused", append(attrs, "err", err)...)
		var pe *ProtocolError
		errors.As(err, &pe)
		fmt.Fprintf(stderr, "jitgit: %s\n", pe.Msg)
		return exitRefused
	case err != nil:
		s.log.Warn("git ssh: git failed", append(attrs, "err", err, "stderr", res.Stderr)...)
		io.WriteString(stderr, "jitgit: git failed on the server\n")
		return exitRefused
	}
	s.log.Info("git ssh", attrs...)
	if res.Exit < 0 {
		return exitRefused
	}
	return uint32(res.Exit)
}

// identity is who the connection acts as right now: the owner of the key
// that signed its authentication (looked up again), else anonymous.
func (s *SSH) identity(ctx context.Context, sc *ssh.ServerConn) auth.Identity {
	who, _ := s.lookupIdentity(ctx, sc)
	return who
}

// lookupIdentity is identity, or auth.ErrUnavailable when the store could
// not say whose the key is (the identity is then anonymous).
func (s *SSH) lookupIdentity(ctx context.Context, sc *ssh.ServerConn) (auth.Identity, error) {
	var who auth.Identity
	var unavailable error
	if raw, ok := sc.Permissions.Extensions[extKey]; ok {
		key, err := ssh.ParsePublicKey([]byte(raw))
		if err == nil {
			who, err = s.a.IdentityForKey(ctx, key)
		}
		if errors.Is(err, auth.ErrUnavailable) {
			unavailable = err
		} else if err != nil {
			s.log.Info("ssh: key no longer identifies a user; acting as anonymous",
				"key", sc.Permissions.Extensions[extFingerprint], "err", err)
			who = auth.Identity{}
		}
	}
	if unavailable != nil {
		who = auth.Identity{}
	}
	who.Remote = sc.RemoteAddr().String()
	who.Transport = "ssh"
	return who, unavailable
}

// idleConn is a connection whose reads and writes fail after it has been
// idle for idle, and, until authenticated is called, at authDeadline.
type idleConn struct {
	net.Conn
	idle         time.Duration
	authDeadline time.Time
	authed       atomic.Bool
}

func (c *idleConn) deadline() time.Time {
	if !c.authed.Load() {
		return c.authDeadline
	}
	return time.Now().Add(c.idle)
}

func (c *idleConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(c.deadline())
	quickAck(c.Conn)
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(c.deadline())
	return c.Conn.Write(p)
}

// authenticated switches from the handshake deadline to the idle timeout,
// also for a read already waiting.
func (c *idleConn) authenticated() {
	c.authed.Store(true)
	c.Conn.SetDeadline(time.Now().Add(c.idle))
}
