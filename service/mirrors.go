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
	// Fetch fetches job.Upstream into the repository job.Name and says what
	// changed. An error wrapping ErrConflict means a fetch of the same
	// mirror is already running and nothing was done; one wrapping
	// ErrHostKeyChanged, that the upstream's SSH host key is not the one
	// pinned.
	Fetch(ctx context.Context, job FetchJob) (FetchResult, error)
	// Discard removes the bare repository of a deleted mirror from disk.
	Discard(ctx context.Context, name string) error
}

// FetchJob is one fetch of a mirror.
type FetchJob struct {
	Name     string
	Upstream string
	// Credential authenticates to the upstream; nil: none.
	Credential *FetchCredential
	// HostKeys are the pinned SSH host keys of an ssh upstream, one "type
	// base64" per line. With none and LearnHostKeys, the fetch trusts the
	// key it is shown and returns it in FetchResult.HostKeys.
	HostKeys      string
	LearnHostKeys bool
}

// FetchResult is what a fetch changed.
type FetchResult struct {
	Updated   int // refs created, moved or deleted
	Rewritten int // of those, moved other than forward (a force-push upstream)
	// HostKeys are the keys learnt on first use (FetchJob.LearnHostKeys).
	HostKeys string
	Duration time.Duration
}

// ErrHostKeyChanged means an ssh upstream showed a host key other than the
// one pinned: someone may be in between, or the upstream was rebuilt.
var ErrHostKeyChanged = errors.New("host key changed")

// NewMirror is what an administrator gives to create a mirror.
type NewMirror struct {
	Name        string
	Description string
	Upstream    string
	Every       time.Duration // 0: DefaultMirrorEvery
	// Credential names the credential to authenticate with ("": none).
	Credential string
	// HostKeys pins an ssh upstream's host keys (see NormalizeHostKeys);
	// HostKeyTOFU trusts the key of the first fetch instead. An ssh
	// upstream needs one of them.
	HostKeys    string
	HostKeyTOFU bool
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

// checkEvery checks a mirror's interval.
func checkEvery(every time.Duration) error {
	if every < auth.MinMirrorEvery || every > auth.MaxMirrorEvery {
		return fmt.Errorf("%w: a mirror is fetched every %s to %s, not every %s", auth.ErrInvalid,
			auth.FormatDuration(auth.MinMirrorEvery), auth.FormatDuration(auth.MaxMirrorEvery), auth.FormatDuration(every))
	}
	return nil
}

// checkMirrorAccess checks that a mirror's upstream, credential and host
// keys fit together, in tx: a token for http(s) only, an SSH key for ssh
// only, no password in the URL beside a credential, and pinned (or
// to-be-learnt) host keys for ssh and for ssh only.
func checkMirrorAccess(tx storage.Tx, upstream, credential, hostKeys string, tofu bool) error {
	u, err := url.Parse(upstream)
	if err != nil {
		return fmt.Errorf("%w: upstream: not a valid URL", auth.ErrInvalid)
	}
	isSSH := u.Scheme == "ssh"
	if credential != "" {
		c, err := tx.Credentials().Get(credential)
		if errors.Is(err, auth.ErrNotFound) {
			return fmt.Errorf("%w: no credential %q; add it first with `jitgit credential add %s`", auth.ErrInvalid, auth.Printable(credential), auth.Printable(credential))
		}
		if err != nil {
			return err
		}
		switch {
		case c.Kind == auth.CredentialToken && u.Scheme != "https" && u.Scheme != "http":
			return fmt.Errorf("%w: credential %s is a token, for http(s) upstreams; this one is %s", auth.ErrInvalid, c.Name, u.Scheme)
		case c.Kind == auth.CredentialSSHKey && !isSSH:
			return fmt.Errorf("%w: credential %s is an SSH key, for ssh:// upstreams; this one is %s", auth.ErrInvalid, c.Name, u.Scheme)
		case u.User != nil && c.Kind == auth.CredentialToken:
			return fmt.Errorf("%w: the upstream URL has credentials of its own; drop them from the URL or the --credential", auth.ErrInvalid)
		}
	}
	switch {
	case isSSH && hostKeys == "" && !tofu:
		return fmt.Errorf("%w: an ssh upstream needs its host key pinned: give --host-key \"TYPE BASE64\" (from the upstream's ssh_host_*_key.pub), or --host-key-from-first-fetch to trust the first one seen", auth.ErrInvalid)
	case !isSSH && (hostKeys != "" || tofu):
		return fmt.Errorf("%w: host keys are for ssh:// upstreams only", auth.ErrInvalid)
	case hostKeys != "" && tofu:
		return fmt.Errorf("%w: give --host-key or --host-key-from-first-fetch, not both", auth.ErrInvalid)
	}
	return nil
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
	if err := ValidateUpstream(m.Upstream, s.cfg.Load().AllowLocalMirrors); err != nil {
		return auth.Repo{}, err
	}
	if m.Every == 0 {
		m.Every = auth.DefaultMirrorEvery
	}
	if err := checkEvery(m.Every); err != nil {
		return auth.Repo{}, err
	}
	if m.HostKeys != "" {
		keys, err := NormalizeHostKeys(m.HostKeys)
		if err != nil {
			return auth.Repo{}, err
		}
		m.HostKeys = keys
	}
	err := s.store.View(ctx, func(tx storage.Tx) error {
		return checkMirrorAccess(tx, m.Upstream, m.Credential, m.HostKeys, m.HostKeyTOFU)
	})
	if err != nil {
		return auth.Repo{}, err
	}
	detail := fmt.Sprintf("mirror of %s, fetched every %s", redact.URL(m.Upstream), auth.FormatDuration(m.Every))
	if m.Credential != "" {
		detail += ", credential " + m.Credential
	}
	if m.HostKeys != "" {
		detail += ", host key " + HostKeyFingerprints(m.HostKeys)
	} else if m.HostKeyTOFU {
		detail += ", host key from the first fetch"
	}
	r, err := s.newRepo(ctx, actor, m.Name, m.Description, func(r *auth.Repo) {
		r.Mirror, r.Every, r.Credential, r.HostKeys, r.HostKeyTOFU = m.Upstream, m.Every, m.Credential, m.HostKeys, m.HostKeyTOFU
	}, audit.Event{Action: "repo.create", Detail: detail})
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
// the result on the repository (with the consecutive failures that set its
// backoff) and in the audit trail (action repo.sync; a host key learnt on
// first use or refused as changed is an event of its own), and returns the
// repository. Only administrators (and the server's own scheduler, acting
// as "system") may. A failed fetch returns the updated repository and an
// error wrapping ErrUpstream; a fetch of the same mirror that is still
// running, an error wrapping ErrConflict.
func (s *Service) SyncMirror(ctx context.Context, actor auth.Identity, name string, f MirrorFetcher) (auth.Repo, error) {
	if err := requireAdmin(actor, "syncing a mirror"); err != nil {
		return auth.Repo{}, err
	}
	if f == nil {
		return auth.Repo{}, fmt.Errorf("sync %s: this server fetches no mirrors", name)
	}
	var r auth.Repo
	var job FetchJob
	err := s.store.View(ctx, func(tx storage.Tx) error {
		var err error
		if r, err = tx.Repos().Get(name); err != nil {
			return err
		}
		if r.Mirror == "" {
			return fmt.Errorf("%w: %s is no mirror", auth.ErrInvalid, name)
		}
		if r.IsArchived() {
			return fmt.Errorf("%w: %s is archived and not fetched; `jitgit repo unarchive %s` first", auth.ErrConflict, name, name)
		}
		job = FetchJob{Name: name, Upstream: r.Mirror, HostKeys: r.HostKeys, LearnHostKeys: r.HostKeyTOFU && r.HostKeys == ""}
		if r.Credential != "" {
			job.Credential, err = s.openCredential(tx, r.Credential)
		}
		return err
	})
	if err != nil {
		return redacted(r), err
	}
	defer func() {
		if job.Credential != nil {
			clear(job.Credential.Secret)
		}
	}()
	res, ferr := f.Fetch(ctx, job)
	if errors.Is(ferr, auth.ErrConflict) {
		return redacted(r), fmt.Errorf("%w: a fetch of %s is already running", auth.ErrConflict, name)
	}
	ev := audit.Event{Action: "repo.sync", Repo: name, Result: "ok", Detail: fmt.Sprintf("%d refs updated", res.Updated)}
	if res.Rewritten > 0 {
		ev.Detail += fmt.Sprintf(", %d refs rewritten", res.Rewritten)
	}
	var msg string
	if ferr != nil {
		msg = redact.In(ferr.Error(), r.Mirror)
		if job.Credential != nil && len(job.Credential.Secret) > 0 {
			msg = strings.ReplaceAll(msg, string(job.Credential.Secret), "***")
		}
		if len(msg) > maxSyncError {
			msg = msg[:maxSyncError] + "…"
		}
		ev.Result, ev.Detail = "error", msg
	}
	learnt := ""
	// The result is recorded even when ctx ended and killed the fetch.
	ctx = context.WithoutCancel(ctx)
	err = s.update(ctx, actor, func(tx storage.Tx, evs *changeEvents) error {
		x, err := tx.Repos().Get(name)
		if err != nil {
			return err
		}
		learnt = ""
		prev := x
		x.LastSync, x.SyncResult, x.SyncError, x.SyncUpdated = s.now().UTC(), ev.Result, msg, res.Updated
		x.SyncDuration, x.SyncRewritten = res.Duration, res.Rewritten
		var recovered *audit.Event
		if ferr != nil {
			x.Failures++
		} else {
			recovered = mirrorRecovery(prev, x.LastSync)
			x.Failures, x.LastSuccess = 0, x.LastSync
			// Only the fetch that was asked to learn may pin, and only if
			// nobody pinned or changed the upstream meanwhile.
			if job.LearnHostKeys && res.HostKeys != "" && x.HostKeyTOFU && x.HostKeys == "" && x.Mirror == job.Upstream {
				x.HostKeys, learnt = res.HostKeys, res.HostKeys
			}
		}
		r = x
		if err := tx.Repos().Update(x); err != nil {
			return err
		}
		if err := evs.add(ev); err != nil {
			return err
		}
		if recovered != nil {
			recovered.Repo = name
			if err := evs.add(*recovered); err != nil {
				return err
			}
		}
		if learnt != "" {
			if err := evs.add(audit.Event{Action: "repo.mirror.hostkey", Repo: name,
				Detail: "host key recorded on first fetch (trust on first use): " + HostKeyFingerprints(learnt)}); err != nil {
				return err
			}
		}
		if errors.Is(ferr, ErrHostKeyChanged) {
			return evs.add(audit.Event{Action: "repo.mirror.hostkey", Repo: name, Result: "error",
				Detail: "host key changed: the upstream's key is not the pinned " + HostKeyFingerprints(x.HostKeys) + "; nothing fetched"})
		}
		return nil
	})
	if err != nil {
		return redacted(r), fmt.Errorf("sync %s: record the result: %w", name, err)
	}
	if ferr != nil {
		return redacted(r), fmt.Errorf("%w: %s from %s: %s", auth.ErrUpstream, name, redact.URL(r.Mirror), msg)
	}
	return redacted(r), nil
}
