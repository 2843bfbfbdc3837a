package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// AddKey attaches an SSH public key (authorized_keys form) to a user. A key
// belongs to one user only. Users add their own; administrators anyone's.
func (s *Service) AddKey(ctx context.Context, actor auth.Identity, user, authorized string) (auth.Key, error) {
	if err := refuseAuditor(actor, "adding an SSH key (an auditor has no Git access)"); err != nil {
		return auth.Key{}, err
	}
	if actor.User != user {
		if err := requireAdmin(actor, "adding another user's key"); err != nil {
			return auth.Key{}, err
		}
	}
	if len(authorized) > 16*1024 {
		return auth.Key{}, fmt.Errorf("%w: SSH key is larger than 16 KiB", auth.ErrInvalid)
	}
	pk, comment, opts, rest, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		return auth.Key{}, fmt.Errorf("%w: SSH key: not a public key in authorized_keys form (%v); give the .pub file", auth.ErrInvalid, err)
	}
	if len(opts) > 0 || strings.TrimSpace(string(rest)) != "" {
		return auth.Key{}, fmt.Errorf("%w: SSH key: give exactly one key without options", auth.ErrInvalid)
	}
	comment, err = cleanText("key comment", comment, false, 200)
	if err != nil {
		return auth.Key{}, err
	}
	k := auth.Key{
		Fingerprint: ssh.FingerprintSHA256(pk), User: user, Type: pk.Type(), Comment: comment,
		Authorized: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))), Created: s.now().UTC(),
	}
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if _, err := tx.Users().Get(user); err != nil {
			return fmt.Errorf("user %s: %w", user, err)
		}
		if err := tx.Keys().Create(k); err != nil {
			return fmt.Errorf("key %s: %w", k.Fingerprint, err)
		}
		return ev.add(audit.Event{Action: "key.add", Target: user, Detail: k.Fingerprint})
	})
	if err != nil {
		return auth.Key{}, err
	}
	return k, nil
}

// ListKeys lists a user's SSH keys.
func (s *Service) ListKeys(ctx context.Context, actor auth.Identity, user string) ([]auth.Key, error) {
	if actor.User != user {
		if err := requireAdmin(actor, "listing another user's keys"); err != nil {
			return nil, err
		}
	}
	return read(ctx, s.store, func(tx storage.Tx) ([]auth.Key, error) { return tx.Keys().List(user) })
}

// RemoveKey detaches a key from its user.
func (s *Service) RemoveKey(ctx context.Context, actor auth.Identity, user, fingerprint string) error {
	if actor.User != user {
		if err := requireAdmin(actor, "removing another user's key"); err != nil {
			return err
		}
	}
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := tx.Keys().Delete(user, fingerprint); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "key.remove", Target: user, Detail: fingerprint})
	})
	if err != nil {
		return fmt.Errorf("key %s of %s: %w", fingerprint, user, err)
	}
	return nil
}

// IdentityForKey returns the identity owning the key that signed an SSH
// authentication.
func (s *Service) IdentityForKey(ctx context.Context, pk ssh.PublicKey) (auth.Identity, error) {
	fp := ssh.FingerprintSHA256(pk)
	k, err := read(ctx, s.store, func(tx storage.Tx) (auth.Key, error) { return tx.Keys().Get(fp) })
	if errors.Is(err, auth.ErrUnavailable) {
		return auth.Identity{}, err
	}
	if err != nil {
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	id, err := s.IdentityOf(ctx, k.User, auth.MethodSSHKey)
	id.Credential = "key:" + k.Fingerprint
	return id, err
}
