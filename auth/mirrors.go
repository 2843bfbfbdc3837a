package auth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Mirror schedule limits.
const (
	DefaultMirrorEvery = time.Hour
	MinMirrorEvery     = time.Minute
	MaxMirrorEvery     = 7 * 24 * time.Hour
	// mirrorRetry bounds the wait after a failed fetch.
	mirrorRetry = 10 * time.Minute
	// maxUpstreamLen bounds an upstream URL.
	maxUpstreamLen = 2048
	// maxSyncError bounds the error text kept on a repository.
	maxSyncError = 1000
)

// MirrorFetcher brings a mirror's bare repository up to date with its
// upstream. server.Mirrors implements it.
type MirrorFetcher interface {
	// Fetch fetches upstream into the repository name and returns how many
	// refs it created, moved or deleted. An error wrapping ErrConflict means
	// a fetch of the same mirror is already running and nothing was done.
	Fetch(ctx context.Context, name, upstream string) (updated int, err error)
}

// NewMirror is what an administrator gives to create a mirror.
type NewMirror struct {
	Name        string
	Description string
	Upstream    string
	Every       time.Duration // 0: DefaultMirrorEvery
}

// ValidateUpstream checks a mirror's upstream URL. Allowed are https://,
// http://, ssh:// and git:// URLs with a host, and file:// URLs only when
// allowLocal. Refused: transport helpers (ext::, fd::), scp-like and local
// paths, user information except a user name and password for http(s) or a
// user name for ssh, control bytes, a leading '-' anywhere git or ssh could
// read it as an option, and URLs longer than 2048 bytes.
func ValidateUpstream(raw string, allowLocal bool) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: upstream %q: %s", ErrInvalid, printable(RedactURL(raw)), why)
	}
	switch {
	case raw == "":
		return bad("an upstream URL is required")
	case len(raw) > maxUpstreamLen:
		return bad(fmt.Sprintf("longer than %d bytes", maxUpstreamLen))
	case strings.HasPrefix(raw, "-"):
		return bad("must not start with '-'")
	}
	scheme, _, ok := strings.Cut(raw, "://")
	if i := strings.Index(raw, "::"); i >= 0 && (!ok || i < len(scheme)) {
		return bad("transport helpers (ext::, fd::, ...) are not allowed")
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f || raw[i] == ' ' {
			return bad("contains control bytes or spaces")
		}
	}
	if !ok {
		return bad("use a URL: https://host/path, ssh://host/path or git://host/path (scp-like host:path and local paths are not accepted)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("not a valid URL")
	}
	if u.Scheme != scheme {
		return bad("the scheme must be https, http, ssh or git, in lower case")
	}
	switch u.Scheme {
	case "https", "http", "ssh", "git":
		if u.Host == "" || strings.HasPrefix(u.Hostname(), "-") || u.Hostname() == "" {
			return bad("needs a host name that does not start with '-'")
		}
	case "file":
		if !allowLocal {
			return bad("file:// upstreams are disabled (mirrors.allow_local is off)")
		}
		if u.Host != "" && u.Host != "localhost" {
			return bad("a file:// URL names no host")
		}
		if !strings.HasPrefix(u.Path, "/") {
			return bad("a file:// URL needs an absolute path")
		}
	default:
		return bad("the scheme must be https, http, ssh or git")
	}
	if u.Opaque != "" || u.Path == "" || u.Path == "/" {
		return bad("needs a repository path")
	}
	if u.User != nil {
		_, hasPass := u.User.Password()
		switch {
		case u.Scheme == "https" || u.Scheme == "http":
		case u.Scheme == "ssh" && !hasPass:
			if strings.HasPrefix(u.User.Username(), "-") || u.User.Username() == "" {
				return bad("the ssh user name must not be empty or start with '-'")
			}
		default:
			return bad("user names and passwords are only accepted in http(s) URLs (and a user name in ssh URLs)")
		}
	}
	return nil
}

// RedactURL hides the secrets of a URL's user information: user:secret@
// becomes user:***@, and an http(s) user name alone (often a token, as in
// https://TOKEN@host/) becomes ***@. Everything else is left as written.
func RedactURL(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return s
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		if scheme := strings.ToLower(s[:i]); scheme == "http" || scheme == "https" {
			return s[:i+3] + "***" + rest[at:]
		}
		return s
	}
	return s[:i+3] + user + ":***" + rest[at:]
}

// redactIn removes every spelling of upstream's password from text, such
// as a git error message.
func redactIn(text, upstream string) string {
	text = strings.ReplaceAll(text, upstream, RedactURL(upstream))
	u, err := url.Parse(upstream)
	if err != nil || u.User == nil {
		return text
	}
	secret, ok := u.User.Password()
	if !ok && (u.Scheme == "http" || u.Scheme == "https") {
		secret = u.User.Username() // a token given as the user name
	}
	if secret == "" {
		return text
	}
	for _, p := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		text = strings.ReplaceAll(text, p, "***")
	}
	return text
}

// SyncDue reports whether a mirror should be fetched at now: never fetched,
// Every after its last fetch, or sooner (at most ten minutes) after a
// failed one. A repository that is no mirror is never due.
func (r Repo) SyncDue(now time.Time) bool {
	if r.Mirror == "" {
		return false
	}
	if r.LastSync.IsZero() {
		return true
	}
	every := r.Every
	if every <= 0 {
		every = DefaultMirrorEvery
	}
	if r.SyncResult == "error" {
		every = min(every, mirrorRetry)
	}
	return !now.Before(r.LastSync.Add(every))
}

// redacted is r as shown to anyone: the upstream's password hidden.
func (r Repo) redacted() Repo {
	r.Mirror = RedactURL(r.Mirror)
	return r
}

// CreateMirror records a read-only mirror of m.Upstream, creates its bare
// repository and fetches it once with f. Only administrators may. A failed
// first fetch is no error: the mirror stays registered, the failure is in
// the returned repository's SyncResult and SyncError, and the scheduler
// tries again.
func (s *Service) CreateMirror(ctx context.Context, actor Identity, m NewMirror, f MirrorFetcher) (Repo, error) {
	if err := requireAdmin(actor, "creating a mirror"); err != nil {
		return Repo{}, err
	}
	if err := ValidateUpstream(m.Upstream, s.cfg.AllowLocalMirrors); err != nil {
		return Repo{}, err
	}
	if m.Every == 0 {
		m.Every = DefaultMirrorEvery
	}
	if m.Every < MinMirrorEvery || m.Every > MaxMirrorEvery {
		return Repo{}, fmt.Errorf("%w: a mirror is fetched every %s to %s, not every %s", ErrInvalid,
			FormatDuration(MinMirrorEvery), FormatDuration(MaxMirrorEvery), FormatDuration(m.Every))
	}
	r, err := s.newRepo(ctx, actor, m.Name, m.Description, func(r *Repo) {
		r.Mirror, r.Every = m.Upstream, m.Every
	})
	if err != nil {
		return Repo{}, err
	}
	if err := s.record(ctx, actor, Event{Action: "repo.create", Repo: r.Name,
		Detail: fmt.Sprintf("mirror of %s, fetched every %s", RedactURL(m.Upstream), FormatDuration(m.Every))}); err != nil {
		return r.redacted(), err
	}
	synced, err := s.SyncMirror(ctx, actor, r.Name, f)
	if errors.Is(err, ErrUpstream) {
		err = nil
	}
	return synced, err
}

// SyncMirror fetches the mirror name from its upstream with f now, records
// the result on the repository and in the audit trail (action repo.sync),
// and returns the repository. Only administrators (and the server's own
// scheduler, acting as "system") may. A failed fetch returns the updated
// repository and an error wrapping ErrUpstream; a fetch of the same mirror
// that is still running, an error wrapping ErrConflict.
func (s *Service) SyncMirror(ctx context.Context, actor Identity, name string, f MirrorFetcher) (Repo, error) {
	if err := requireAdmin(actor, "syncing a mirror"); err != nil {
		return Repo{}, err
	}
	r, err := s.store.GetRepo(ctx, name)
	if err != nil {
		return Repo{}, err
	}
	if r.Mirror == "" {
		return Repo{}, fmt.Errorf("%w: %s is no mirror", ErrInvalid, name)
	}
	if f == nil {
		return Repo{}, fmt.Errorf("sync %s: this server fetches no mirrors", name)
	}
	updated, ferr := f.Fetch(ctx, name, r.Mirror)
	if errors.Is(ferr, ErrConflict) {
		return r.redacted(), fmt.Errorf("%w: a fetch of %s is already running", ErrConflict, name)
	}
	ev := Event{Action: "repo.sync", Repo: name, Result: "ok", Detail: fmt.Sprintf("%d refs updated", updated)}
	var msg string
	if ferr != nil {
		msg = redactIn(ferr.Error(), r.Mirror)
		if len(msg) > maxSyncError {
			msg = msg[:maxSyncError] + "…"
		}
		ev.Result, ev.Detail = "error", msg
	}
	// The result is recorded even when ctx ended and killed the fetch.
	ctx = context.WithoutCancel(ctx)
	err = s.store.UpdateRepo(ctx, name, func(x *Repo) error {
		x.LastSync, x.SyncResult, x.SyncError, x.SyncUpdated = s.now().UTC(), ev.Result, msg, updated
		r = *x
		return nil
	})
	if err != nil {
		return r.redacted(), fmt.Errorf("sync %s: record the result: %w", name, err)
	}
	if err := s.record(ctx, actor, ev); err != nil {
		return r.redacted(), err
	}
	if ferr != nil {
		return r.redacted(), fmt.Errorf("%w: %s from %s: %s", ErrUpstream, name, RedactURL(r.Mirror), msg)
	}
	return r.redacted(), nil
}
