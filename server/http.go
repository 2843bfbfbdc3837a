// Package server holds the Git transports: smart HTTP and SSH, the
// resolution of repository names, and the push re-check (the pre-receive
// callback). Every operation is decided by one Authority when it happens.
package server

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/service"
)

// Body limits used when HTTPConfig leaves them zero.
const (
	DefaultMaxUploadPackBody  = 64 << 20
	DefaultMaxReceivePackBody = 1 << 30
	DefaultHTTPWriteTimeout   = 10 * time.Minute
)

// HTTPConfig configures the smart HTTP transport.
type HTTPConfig struct {
	// PublicURL is the server's base URL as users reach it, e.g.
	// "https://git.example.com", used in the "Ask for access" line. Empty:
	// derived from the request.
	PublicURL string
	// Fallback serves every request that is not a smart HTTP Git request
	// (web pages, API, and any dumb-HTTP path). Nil: 404.
	Fallback http.Handler
	// MaxUploadPackBody bounds a fetch request body, compressed and
	// decompressed. Default DefaultMaxUploadPackBody.
	MaxUploadPackBody int64
	// MaxReceivePackBody bounds a push request body, compressed and
	// decompressed. Default DefaultMaxReceivePackBody.
	MaxReceivePackBody int64
	// WriteTimeout bounds each write of git's answer to the client: a
	// client that stops reading for this long is cut off and its git
	// stopped. Default DefaultHTTPWriteTimeout.
	WriteTimeout time.Duration
	// Throttle, when set, refuses a client address with 429 after too many
	// failed authentications, so passwords cannot be guessed through git.
	Throttle ratelimit.Limiter
	// Pending, when set, finds the user's pending request that a deny
	// message mentions.
	Pending Pending
	// ExpiringSoon, when set, is the lead before a grant's end within
	// which a fetch under it is shown one "remote:" line saying when it
	// ends and how to extend it (a push is shown it by the pre-receive
	// check). Now is the clock it is measured with (nil: time.Now).
	ExpiringSoon time.Duration
	Now          func() time.Time
}

// HTTP is the smart HTTP Git transport. It serves
//
//	GET  /{owner}/{name}[.git]/info/refs?service=git-upload-pack|git-receive-pack
//	POST /{owner}/{name}[.git]/git-upload-pack
//	POST /{owner}/{name}[.git]/git-receive-pack
//
// and hands every other request to the fallback; it never serves repository
// files. Every Git request is authenticated and authorized on its own.
type HTTP struct {
	cfg   HTTPConfig
	a     Authority
	repos *Repos
	run   *Runner
	log   *slog.Logger
	// maxFetch and maxPush are cfg's body bounds, which SetMaxBodies
	// changes while requests run.
	maxFetch, maxPush atomic.Int64
}

// NewHTTP returns the smart HTTP handler.
func NewHTTP(cfg HTTPConfig, a Authority, repos *Repos, run *Runner, log *slog.Logger) *HTTP {
	if cfg.MaxUploadPackBody <= 0 {
		cfg.MaxUploadPackBody = DefaultMaxUploadPackBody
	}
	if cfg.MaxReceivePackBody <= 0 {
		cfg.MaxReceivePackBody = DefaultMaxReceivePackBody
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultHTTPWriteTimeout
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &HTTP{cfg: cfg, a: a, repos: repos, run: run, log: log}
	h.SetMaxBodies(cfg.MaxUploadPackBody, cfg.MaxReceivePackBody)
	return h
}

// gitRequest is a request recognised as smart HTTP Git.
type gitRequest struct {
	repo     string // raw, still percent-encoded
	svc      Service
	infoRefs bool
}

// parseGitRequest recognises the three smart HTTP requests by method, the
// raw path's suffix and, for info/refs, exactly one known service.
func parseGitRequest(r *http.Request) (gitRequest, bool) {
	path := r.URL.EscapedPath()
	services := map[string]Service{"git-upload-pack": UploadPack, "git-receive-pack": ReceivePack}
	if repo, ok := strings.CutSuffix(path, "/info/refs"); ok && r.Method == http.MethodGet {
		q := r.URL.Query()["service"]
		if len(q) != 1 {
			return gitRequest{}, false
		}
		svc, ok := services[q[0]]
		return gitRequest{repo: repo, svc: svc, infoRefs: true}, ok && repo != ""
	}
	if r.Method != http.MethodPost {
		return gitRequest{}, false
	}
	for name, svc := range services {
		if repo, ok := strings.CutSuffix(path, "/"+name); ok && repo != "" {
			return gitRequest{repo: repo, svc: svc}, true
		}
	}
	return gitRequest{}, false
}

// ServeHTTP serves one request.
func (h *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, ok := parseGitRequest(r)
	if !ok {
		if h.cfg.Fallback != nil {
			h.cfg.Fallback.ServeHTTP(w, r)
			return
		}
		text(w, http.StatusNotFound, "not found\n")
		return
	}
	protos := r.Header.Values("Git-Protocol")
	if len(protos) > 1 {
		text(w, http.StatusBadRequest, "Git-Protocol: send one header, version=0, version=1 or version=2\n")
		return
	}
	proto, err := ValidateProtocol(strings.Join(protos, ""))
	if err != nil {
		text(w, http.StatusBadRequest, err.Error()+"\n")
		return
	}
	name, err := ResolveRepo(req.repo)
	if err != nil {
		text(w, http.StatusBadRequest, err.Error()+"\n")
		return
	}
	addr := "addr:" + remoteHost(r.RemoteAddr)
	if wait := h.throttleWait(addr); wait > 0 {
		if ratelimit.Unreachable(h.cfg.Throttle) {
			// The shared throttle's store did not answer: nothing was
			// counted against this address.
			storeUnavailable(w)
			return
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		text(w, http.StatusTooManyRequests, fmt.Sprintf("too many failed sign-ins from your address; try again in %s\n", auth.FormatDuration(wait)))
		return
	}
	who, err := h.authenticate(r, name)
	if errors.Is(err, secret.ErrBusy) {
		w.Header().Set("Retry-After", "1")
		text(w, http.StatusTooManyRequests, "the server is checking too many passwords at once; try again in a second\n")
		return
	}
	if errors.Is(err, auth.ErrUnavailable) {
		h.log.Warn("git http: the store cannot answer; refusing", "remote", r.RemoteAddr, "repo", name, "err", err)
		storeUnavailable(w)
		return
	}
	if err != nil {
		if h.cfg.Throttle != nil {
			h.cfg.Throttle.Fail(addr)
		}
		challenge(w, "authentication failed\n")
		return
	}
	who.Remote = r.RemoteAddr
	who.Transport = "http"
	action := req.svc.Action()
	d := h.a.Authorize(r.Context(), who, name, action)
	if !d.Allowed {
		h.log.Info("git http denied", "user", who.Name(), "remote", who.Remote, "repo", name, "service", req.svc, "reason", d.Reason)
		if who.Anonymous() {
			challenge(w, denyMessage(d, h.publicURL(r), name, action))
			return
		}
		line := denyLine(r.Context(), h.cfg.Pending, who, d, h.publicURL(r), name, action)
		if req.infoRefs {
			refuseInfoRefs(w, req.svc, line)
			return
		}
		text(w, http.StatusForbidden, line)
		return
	}
	dir, err := h.repos.Path(name)
	if err != nil || !h.repos.Exists(name) {
		text(w, http.StatusNotFound, "repository not found\n")
		return
	}
	job := Job{Service: req.svc, Repo: name, Dir: dir, Who: who, Protocol: proto, StatelessRPC: true}
	if req.infoRefs {
		h.advertise(w, r, job)
		return
	}
	notice := ""
	if req.svc == UploadPack {
		now := time.Now
		if h.cfg.Now != nil {
			now = h.cfg.Now
		}
		notice = expiryNotice(d, now(), h.cfg.ExpiringSoon, h.publicURL(r), name, action.Level)
	}
	h.rpc(w, r, job, notice)
}

// authenticate reads HTTP Basic credentials. No Authorization header is
// anonymous; an empty, malformed or wrong one is a failure, never anonymous,
// and on the record. The name typed is never logged: it may be a password
// or a token typed in the wrong field.
func (h *HTTP) authenticate(r *http.Request, repo string) (auth.Identity, error) {
	hdr := r.Header.Values("Authorization")
	if len(hdr) == 0 {
		return auth.Identity{}, nil
	}
	refuse := func(user, reason string, err error) (auth.Identity, error) {
		// Debug only: the refusal is on the audit record, folded per
		// address, and a flood must not cost a log line per failure.
		if h.log.Enabled(r.Context(), slog.LevelDebug) {
			h.log.Debug("git http: authentication failed", "remote", r.RemoteAddr, "repo", repo, "reason", reason)
		}
		rerr := h.a.RecordRefusal(r.Context(), service.Refusal{Action: "auth.http", Transport: "http", Remote: r.RemoteAddr,
			User: user, Repo: repo, Reason: reason})
		if rerr != nil {
			h.log.Warn("git http: refusal not audited", "remote", r.RemoteAddr, "err", rerr)
		}
		return auth.Identity{}, err
	}
	user, pass, ok := r.BasicAuth()
	if len(hdr) != 1 || !ok || user == "" || pass == "" {
		return refuse("", "empty or malformed credentials", auth.ErrUnauthenticated)
	}
	who, err := h.a.Authenticate(r.Context(), user, pass)
	if errors.Is(err, secret.ErrBusy) || errors.Is(err, auth.ErrUnavailable) {
		return auth.Identity{}, err
	}
	if err != nil || who.User == "" {
		return refuse(user, "wrong, expired or revoked password or token", auth.ErrUnauthenticated)
	}
	return who, nil
}

func (h *HTTP) throttleWait(key string) time.Duration {
	if h.cfg.Throttle == nil {
		return 0
	}
	return h.cfg.Throttle.Wait(key)
}

// remoteHost is the address part of a RemoteAddr, so one client's ports
// count together.
func remoteHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func (h *HTTP) publicURL(r *http.Request) string {
	if h.cfg.PublicURL != "" {
		return h.cfg.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// advertise answers info/refs. Like git http-backend it prefixes the
// "# service=" packet only when the client did not ask for protocol v2.
func (h *HTTP) advertise(w http.ResponseWriter, r *http.Request, job Job) {
	job.AdvertiseRefs = true
	out := newGitOutput(w, "application/x-git-"+string(job.Service)+"-advertisement", h.cfg.WriteTimeout)
	if job.Protocol != "version=2" {
		out.prefix = append(pktLine("# service=git-"+string(job.Service)+"\n"), "0000"...)
	}
	job.Stdout = out
	start := time.Now()
	res, err := h.run.Run(r.Context(), job)
	h.finish(w, r, job, out, res, err, false, start)
}

// rpc answers a POST: the bounded (and maybe gzip-compressed) body is git's
// stdin and git's stdout is the response, with notice (when not empty) as
// one side-band progress line where the client shows it.
func (h *HTTP) rpc(w http.ResponseWriter, r *http.Request, job Job, notice string) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-git-"+string(job.Service)+"-request" {
		text(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type must be application/x-git-%s-request\n", job.Service))
		return
	}
	max := h.maxFetch.Load()
	if job.Service == ReceivePack {
		max = h.maxPush.Load()
	}
	if r.ContentLength > max {
		h.tooLarge(w, r, job, max)
		return
	}
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	var exceeded atomic.Bool
	over := func() {
		exceeded.Store(true)
		cancel(errBodyTooLarge)
	}
	var body io.Reader = &boundedReader{r: r.Body, left: max + 1, over: over}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(body)
		if err != nil {
			if exceeded.Load() {
				h.tooLarge(w, r, job, max)
				return
			}
			text(w, http.StatusBadRequest, "request body: bad gzip data\n")
			return
		}
		defer gz.Close()
		body = &boundedReader{r: gz, left: max + 1, over: over}
	default:
		text(w, http.StatusUnsupportedMediaType, "Content-Encoding must be gzip or none\n")
		return
	}
	// Git reads the request before it answers, but let a slow reader and a
	// fast writer overlap instead of failing.
	http.NewResponseController(w).EnableFullDuplex()

	job.Stdin = body
	out := newGitOutput(w, "application/x-git-"+string(job.Service)+"-result", h.cfg.WriteTimeout)
	out.refuse = &exceeded
	job.Stdout = out
	var sideband *sidebandNotice
	if notice != "" {
		sideband = newSidebandNotice(out, notice)
		job.Stdout = sideband
	}
	start := time.Now()
	res, err := h.run.Run(ctx, job)
	if sideband != nil && err == nil {
		err = sideband.flush()
	}
	if exceeded.Load() {
		if out.started {
			h.log.Warn("git http: body too large after the response started", "repo", job.Repo, "service", job.Service, "user", job.Who.Name())
			panic(http.ErrAbortHandler)
		}
		h.tooLarge(w, r, job, max)
		return
	}
	h.finish(w, r, job, out, res, err, true, start)
}

func (h *HTTP) tooLarge(w http.ResponseWriter, r *http.Request, job Job, max int64) {
	h.log.Info("git http: body too large", "repo", job.Repo, "service", job.Service, "user", job.Who.Name(), "remote", r.RemoteAddr, "limit", max)
	w.Header().Set("Connection", "close")
	text(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body too large: the server accepts at most %s for git-%s\n", byteSize(max), job.Service))
}

// finish logs the run and, when git wrote nothing, turns a failure into an
// error response.
func (h *HTTP) finish(w http.ResponseWriter, r *http.Request, job Job, out *gitOutput, res Result, err error, rpc bool, start time.Time) {
	attrs := []any{"user", job.Who.Name(), "remote", job.Who.Remote, "repo", job.Repo, "service", job.Service,
		"info_refs", !rpc, "exit", res.Exit, "bytes_in", res.In, "bytes_out", res.Out, "duration", time.Since(start)}
	switch {
	case r.Context().Err() != nil:
		h.log.Info("git http: client went away", attrs...)
		return
	case errors.As(err, new(*ProtocolError)):
		h.refuseRequest(w, out, err, attrs)
		return
	case err == nil && res.Exit != 0 && strings.Contains(res.Stderr, "protocol error"):
		// git found the request malformed where the guards do not look.
		h.refuseRequest(w, out, &ProtocolError{Msg: "malformed request: " + lastLine(res.Stderr)}, attrs)
		return
	case err != nil || res.Exit != 0:
		h.log.Warn("git http: git failed", append(attrs, "err", err, "stderr", res.Stderr)...)
		if !out.started {
			text(w, http.StatusInternalServerError, "git failed on the server\n")
		}
		return
	}
	out.arm() // the rest of the answer, written after the handler returns
	if !out.started {
		out.start() // an empty but successful answer
	}
	h.log.Info("git http", attrs...)
}

// gitOutput is git's stdout as the response: the status and headers are
// sent with the first byte, so a git that fails before writing anything can
// still get an error status. Every write is flushed, and fails when the
// client takes no part of it within timeout, which stops git.
type gitOutput struct {
	w           http.ResponseWriter
	rc          *http.ResponseController
	timeout     time.Duration
	contentType string
	prefix      []byte
	refuse      *atomic.Bool // set: drop git's output (the body was cut)
	started     bool
}

func newGitOutput(w http.ResponseWriter, contentType string, timeout time.Duration) *gitOutput {
	return &gitOutput{w: w, rc: http.NewResponseController(w), timeout: timeout, contentType: contentType}
}

// arm gives the next write timeout to complete. A deadline set for an
// earlier write would otherwise fail a later one that follows a long
// silence of git.
func (o *gitOutput) arm() {
	if o.timeout > 0 {
		_ = o.rc.SetWriteDeadline(time.Now().Add(o.timeout))
	}
}

var errBodyTooLarge = errors.New("request body too large")

func (o *gitOutput) Write(p []byte) (int, error) {
	if o.refuse != nil && o.refuse.Load() {
		return 0, errBodyTooLarge
	}
	o.arm()
	if !o.started {
		if err := o.start(); err != nil {
			return 0, err
		}
	}
	n, err := o.w.Write(p)
	if err == nil {
		err = o.rc.Flush()
	}
	return n, err
}

func (o *gitOutput) start() error {
	o.started = true
	hdr := o.w.Header()
	hdr.Set("Content-Type", o.contentType)
	noCache(hdr)
	o.w.WriteHeader(http.StatusOK)
	if len(o.prefix) > 0 {
		if _, err := o.w.Write(o.prefix); err != nil {
			return err
		}
	}
	return nil
}

// boundedReader passes at most left-1 bytes; reading the left-th byte
// calls over (which stops git) and fails.
type boundedReader struct {
	r    io.Reader
	left int64
	over func()
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left <= 0 {
		b.over()
		return 0, errBodyTooLarge
	}
	return n, err
}

// byteSize prints a limit the way people read it: "64 MiB", "512 KiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// pktLine encodes s as one Git pkt-line.
func pktLine(s string) []byte {
	return fmt.Appendf(nil, "%04x%s", len(s)+4, s)
}

func noCache(h http.Header) {
	h.Set("Cache-Control", "no-cache, max-age=0, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "Fri, 01 Jan 1980 00:00:00 GMT")
}

// text writes a plain-text response; git prints such bodies as "remote:"
// lines.
func text(w http.ResponseWriter, status int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	noCache(h)
	w.WriteHeader(status)
	io.WriteString(w, msg)
}

// challenge answers 401 with the Basic challenge, for anonymous clients that
// were denied and for credentials that failed alike.
func challenge(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="jitgit"`)
	text(w, http.StatusUnauthorized, msg)
}
