package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/redact"
	"github.com/jitgit/jitgit/storage"
)

// Mirror schedule limits.
const (
	// maxUpstreamLen bounds an upstream URL.
	maxUpstreamLen = 2048
	// maxSyncError bounds the error text kept on a repository.
	maxSyncError = 1000
)

// MirrorFetcher brings a mirror's bare repository up to date with its
// upstream. mirror.Mirrors implements it.
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
		return fmt.Errorf("%w: upstream %q: %s", auth.ErrInvalid, auth.Printable(redact.URL(raw)), why)
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

// redacted is r as shown to anyone: the upstream's password hidden.
func redacted(r auth.Repo) auth.Repo {
	r.Mirror = redact.URL(r.Mirror)
	return r
}

// CreateMirror records a read-only mirror of m.Upstream, creates its bare
// repository and fetches it once with f. Only administrators may. A failed
// first fetch is no error: the mirror stays registered, the failure is in
// the returned repository's SyncResult and SyncError, and the scheduler
// tries again.
func (s *Service) CreateMirror(ctx context.Context, actor auth.Identity, m NewMirror, f MirrorFetcher) (auth.Repo, error) {
	if err := requireAdmin(actor, "creating a mirror"); err != nil {
		return auth.Repo{}, err
	}
	if err := ValidateUpstream(m.Upstream, s.cfg.AllowLocalMirrors); err != nil {
		return auth.Repo{}, err
	}
	if m.Every == 0 {
		m.Every = auth.DefaultMirrorEvery
	}
	if m.Every < auth.MinMirrorEvery || m.Every > auth.MaxMirrorEvery {
		return auth.Repo{}, fmt.Errorf("%w: a mirror is fetched every %s to %s, not every %s", auth.ErrInvalid,
			auth.FormatDuration(auth.MinMirrorEvery), auth.FormatDuration(auth.MaxMirrorEvery), auth.FormatDuration(m.Every))
	}
	r, err := s.newRepo(ctx, actor, m.Name, m.Description, func(r *auth.Repo) {
		r.Mirror, r.Every = m.Upstream, m.Every
	}, audit.Event{Action: "repo.create",
		Detail: fmt.Sprintf("mirror of %s, fetched every %s", redact.URL(m.Upstream), auth.FormatDuration(m.Every))})
	if err != nil {
		return auth.Repo{}, err
	}
	synced, err := s.SyncMirror(ctx, actor, r.Name, f)
	if errors.Is(err, auth.ErrUpstream) {
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
func (s *Service) SyncMirror(ctx context.Context, actor auth.Identity, name string, f MirrorFetcher) (auth.Repo, error) {
	if err := requireAdmin(actor, "syncing a mirror"); err != nil {
		return auth.Repo{}, err
	}
	r, err := read(ctx, s.store, func(tx storage.Tx) (auth.Repo, error) { return tx.Repos().Get(name) })
	if err != nil {
		return auth.Repo{}, err
	}
	if r.Mirror == "" {
		return auth.Repo{}, fmt.Errorf("%w: %s is no mirror", auth.ErrInvalid, name)
	}
	if f == nil {
		return auth.Repo{}, fmt.Errorf("sync %s: this server fetches no mirrors", name)
	}
	updated, ferr := f.Fetch(ctx, name, r.Mirror)
	if errors.Is(ferr, auth.ErrConflict) {
		return redacted(r), fmt.Errorf("%w: a fetch of %s is already running", auth.ErrConflict, name)
	}
	ev := audit.Event{Action: "repo.sync", Repo: name, Result: "ok", Detail: fmt.Sprintf("%d refs updated", updated)}
	var msg string
	if ferr != nil {
		msg = redact.In(ferr.Error(), r.Mirror)
		if len(msg) > maxSyncError {
			msg = msg[:maxSyncError] + "…"
		}
		ev.Result, ev.Detail = "error", msg
	}
	// The result is recorded even when ctx ended and killed the fetch.
	ctx = context.WithoutCancel(ctx)
	err = s.update(ctx, actor, func(tx storage.Tx, evs *changeEvents) error {
		x, err := tx.Repos().Get(name)
		if err != nil {
			return err
		}
		x.LastSync, x.SyncResult, x.SyncError, x.SyncUpdated = s.now().UTC(), ev.Result, msg, updated
		r = x
		if err := tx.Repos().Update(x); err != nil {
			return err
		}
		return evs.add(ev)
	})
	if err != nil {
		return redacted(r), fmt.Errorf("sync %s: record the result: %w", name, err)
	}
	if ferr != nil {
		return redacted(r), fmt.Errorf("%w: %s from %s: %s", auth.ErrUpstream, name, redact.URL(r.Mirror), msg)
	}
	return redacted(r), nil
}
