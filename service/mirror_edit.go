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

// MirrorChanges are the changes to a mirror; a nil field stays as it is.
type MirrorChanges struct {
	Upstream   *string
	Credential *string // "": none
	Every      *time.Duration
	Paused     *bool
	// HostKeys pins new host keys; HostKeyTOFU (true) forgets the pinned
	// ones and trusts the next fetch's.
	HostKeys    *string
	HostKeyTOFU *bool
}

// SetMirror changes the mirror name and records what changed (action
// repo.mirror.set). Only administrators may. A new upstream on another
// host forgets the pinned host keys, so one of HostKeys or HostKeyTOFU must
// come with it for ssh. The changes are used from the next fetch on; a
// mirror whose access changed is retried without its backoff.
func (s *Service) SetMirror(ctx context.Context, actor auth.Identity, name string, ch MirrorChanges) (auth.Repo, error) {
	if err := requireAdmin(actor, "changing a mirror"); err != nil {
		return auth.Repo{}, err
	}
	if ch.Upstream != nil {
		if err := ValidateUpstream(*ch.Upstream, s.cfg.Load().AllowLocalMirrors); err != nil {
			return auth.Repo{}, err
		}
	}
	if ch.Every != nil {
		if err := checkEvery(*ch.Every); err != nil {
			return auth.Repo{}, err
		}
	}
	var keys string
	if ch.HostKeys != nil {
		var err error
		if keys, err = NormalizeHostKeys(*ch.HostKeys); err != nil {
			return auth.Repo{}, err
		}
		if ch.HostKeyTOFU != nil && *ch.HostKeyTOFU {
			return auth.Repo{}, fmt.Errorf("%w: give --host-key or --host-key-from-first-fetch, not both", auth.ErrInvalid)
		}
	}
	var r auth.Repo
	var what []string
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		what = what[:0]
		x, err := tx.Repos().Get(name)
		if err != nil {
			return err
		}
		if x.Mirror == "" {
			return fmt.Errorf("%w: %s is no mirror", auth.ErrInvalid, name)
		}
		access := false
		if ch.Upstream != nil && *ch.Upstream != x.Mirror {
			if hostOf(*ch.Upstream) != hostOf(x.Mirror) {
				x.HostKeys, x.HostKeyTOFU = "", false
			}
			x.Mirror, access = *ch.Upstream, true
			what = append(what, "upstream "+redact.URL(x.Mirror))
		}
		if ch.Credential != nil && *ch.Credential != x.Credential {
			x.Credential, access = *ch.Credential, true
			if x.Credential == "" {
				what = append(what, "no credential")
			} else {
				what = append(what, "credential "+x.Credential)
			}
		}
		if ch.HostKeys != nil {
			x.HostKeys, x.HostKeyTOFU, access = keys, false, true
			what = append(what, "host key "+HostKeyFingerprints(keys))
		} else if ch.HostKeyTOFU != nil && *ch.HostKeyTOFU {
			x.HostKeys, x.HostKeyTOFU, access = "", true, true
			what = append(what, "host key from the next fetch")
		}
		if ch.Every != nil && *ch.Every != x.Every {
			x.Every = *ch.Every
			what = append(what, "every "+auth.FormatDuration(x.Every))
		}
		if ch.Paused != nil && *ch.Paused != x.Paused {
			x.Paused = *ch.Paused
			what = append(what, map[bool]string{true: "paused", false: "resumed"}[x.Paused])
		}
		if access || (ch.Paused != nil && !*ch.Paused) {
			x.Failures = 0 // new access, or resumed: no backoff for the old failures
		}
		if err := checkMirrorAccess(tx, x.Mirror, x.Credential, x.HostKeys, x.HostKeyTOFU); err != nil {
			return err
		}
		r = x
		if len(what) == 0 {
			return nil
		}
		if err := tx.Repos().Update(x); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.mirror.set", Repo: name, Detail: strings.Join(what, ", ")})
	})
	if err != nil {
		return redacted(r), err
	}
	return redacted(r), nil
}

// hostOf is the host and port of an upstream URL.
func hostOf(upstream string) string {
	u, err := url.Parse(upstream)
	if err != nil {
		return ""
	}
	return u.Host
}

// MirrorRemoval says what removing a mirror leaves.
type MirrorRemoval int

const (
	// RemoveKeepReadOnly keeps the repository read-only, as of its last
	// fetch, never fetched again.
	RemoveKeepReadOnly MirrorRemoval = iota + 1
	// RemoveDelete deletes the repository and its files.
	RemoveDelete
)

// RemoveMirror stops mirroring name: it becomes read-only, or is
// deleted with its files (through f), and the removal is recorded (action
// repo.mirror.remove). Only administrators may.
func (s *Service) RemoveMirror(ctx context.Context, actor auth.Identity, name string, how MirrorRemoval, f MirrorFetcher) error {
	if err := requireAdmin(actor, "removing a mirror"); err != nil {
		return err
	}
	if how != RemoveKeepReadOnly && how != RemoveDelete {
		return fmt.Errorf("%w: say whether to keep %s read-only or delete it", auth.ErrInvalid, name)
	}
	if how == RemoveDelete && f == nil {
		return fmt.Errorf("remove %s: this server fetches no mirrors", name)
	}
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		x, err := tx.Repos().Get(name)
		if err != nil {
			return err
		}
		if x.Mirror == "" {
			return fmt.Errorf("%w: %s is no mirror", auth.ErrInvalid, name)
		}
		detail := "kept read-only; was a mirror of " + redact.URL(x.Mirror)
		if how == RemoveDelete {
			detail = "deleted with its files; was a mirror of " + redact.URL(x.Mirror)
			err = tx.Repos().Delete(name)
		} else {
			x.ReadOnly = true
			x.Mirror, x.Credential, x.HostKeys, x.HostKeyTOFU, x.Paused, x.Failures = "", "", "", false, false, 0
			err = tx.Repos().Update(x)
		}
		if err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "repo.mirror.remove", Repo: name, Detail: detail})
	})
	if err != nil {
		return err
	}
	if how == RemoveDelete {
		if err := f.Discard(context.WithoutCancel(ctx), name); err != nil && !errors.Is(err, auth.ErrNotFound) {
			return fmt.Errorf("%s is deleted, but its files are not: %w", name, err)
		}
	}
	return nil
}
