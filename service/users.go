package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/storage"
)

// NewUser describes a user to create.
type NewUser struct {
	Name     string
	Password string // empty: no password sign-in (tokens and keys only)
	Groups   []string
	Admin    bool
	Approver bool
	// Auditor makes an auditor: reads the trail and reports, no Git, no
	// changes.
	Auditor bool
}

// CreateUser adds a user. Only administrators may.
func (s *Service) CreateUser(ctx context.Context, actor auth.Identity, nu NewUser) (auth.User, error) {
	if err := requireAdmin(actor, "adding a user"); err != nil {
		return auth.User{}, err
	}
	if err := auth.ValidateUserName(nu.Name); err != nil {
		return auth.User{}, err
	}
	if err := reservedName(nu.Name); err != nil {
		return auth.User{}, err
	}
	groups, err := cleanGroups(nu.Groups)
	if err != nil {
		return auth.User{}, err
	}
	u := auth.User{Name: nu.Name, Groups: groups, Admin: nu.Admin, Approver: nu.Approver, Auditor: nu.Auditor, Created: s.now().UTC()}
	if nu.Password != "" {
		if len(nu.Password) < 8 || len(nu.Password) > 1024 {
			return auth.User{}, fmt.Errorf("%w: password must be 8–1024 bytes", auth.ErrInvalid)
		}
		if u.PasswordHash, err = s.passwords.Hash(nu.Password); err != nil {
			return auth.User{}, err
		}
	}
	detail := fmt.Sprintf("groups=%s admin=%t approver=%t", strings.Join(groups, ","), u.Admin, u.Approver)
	if u.Auditor {
		detail += " auditor=true"
	}
	err = s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := tx.Users().Create(u); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "user.create", Target: u.Name, Detail: detail})
	})
	if err != nil {
		return auth.User{}, fmt.Errorf("user %s: %w", nu.Name, err)
	}
	return u, nil
}

// reservedName refuses the names the audit trail and the principals use
// for who is not a user.
func reservedName(name string) error {
	switch name {
	case "anonymous", "system", "policy", "local-admin", auth.PrincipalUsers, auth.PrincipalAnyone:
		return fmt.Errorf("%w: %q is reserved; choose another name", auth.ErrInvalid, name)
	}
	return nil
}

func cleanGroups(in []string) ([]string, error) {
	var out []string
	for _, g := range in {
		if err := auth.ValidateUserName(g); err != nil {
			return nil, fmt.Errorf("group: %w", err)
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out, nil
}

// SetPassword sets a user's password. Administrators set anyone's; users
// change their own with ChangePassword. Every web session of the user made
// before now ends.
func (s *Service) SetPassword(ctx context.Context, actor auth.Identity, name, password string) error {
	if err := requireAdmin(actor, "setting a user's password"); err != nil {
		return err
	}
	return s.setPassword(ctx, actor, name, password)
}

// ChangePassword lets signed-in users change their own password, proving
// the current one first.
func (s *Service) ChangePassword(ctx context.Context, actor auth.Identity, current, password string) error {
	if actor.Anonymous() {
		return fmt.Errorf("%w: sign in to change your password", auth.ErrUnauthenticated)
	}
	key := "user:" + actor.User
	if wait := s.pwFails.Wait(key); wait > 0 {
		return fmt.Errorf("%w: too many wrong current passwords; try again in %s", auth.ErrForbidden, auth.FormatDuration(wait.Truncate(time.Second)+time.Second))
	}
	u, err := s.user(ctx, actor.User)
	if err != nil {
		return fmt.Errorf("user %s: %w", actor.User, err)
	}
	ok, err := s.passwords.Check(ctx, u.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("%w: %w", auth.ErrForbidden, err)
	}
	if !ok {
		s.pwFails.Fail(key)
		return fmt.Errorf("%w: the current password is not right", auth.ErrForbidden)
	}
	s.pwFails.Forget(key)
	return s.setPassword(ctx, actor, actor.User, password)
}

func (s *Service) setPassword(ctx context.Context, actor auth.Identity, name, password string) error {
	if len(password) < 8 || len(password) > 1024 {
		return fmt.Errorf("%w: password must be 8–1024 bytes", auth.ErrInvalid)
	}
	hash, err := s.passwords.Hash(password)
	if err != nil {
		return err
	}
	if err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		u, err := tx.Users().Get(name)
		if err != nil {
			return err
		}
		// Taken after the slow hash, as close to the write as can be: a
		// sign-in that read the old hash made its session before this.
		u.PasswordHash, u.SessionsAfter = hash, s.now().UTC()
		if err := tx.Users().Update(u); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "user.password", Target: name})
	}); err != nil {
		return fmt.Errorf("user %s: %w", name, err)
	}
	return nil
}

// ListUsers returns every user. Only administrators, approvers and
// auditors may list.
func (s *Service) ListUsers(ctx context.Context, actor auth.Identity) ([]auth.User, error) {
	if !actor.Admin && !actor.Approver && !actor.Auditor {
		return nil, fmt.Errorf("%w: listing users needs an administrator or approver", auth.ErrForbidden)
	}
	return read(ctx, s.store, func(tx storage.Tx) ([]auth.User, error) { return tx.Users().List() })
}

// user reads the user called name.
func (s *Service) user(ctx context.Context, name string) (auth.User, error) {
	return read(ctx, s.store, func(tx storage.Tx) (auth.User, error) { return tx.Users().Get(name) })
}

// User returns one user. Users may read themselves; administrators anyone.
func (s *Service) User(ctx context.Context, actor auth.Identity, name string) (auth.User, error) {
	if actor.User != name && !actor.Admin && !actor.Approver && !actor.Auditor {
		return auth.User{}, fmt.Errorf("%w: reading another user needs an administrator", auth.ErrForbidden)
	}
	return s.user(ctx, name)
}

// IdentityOf loads the identity of a user who proved who they are by some
// other means (a session, an SSH key). Disabled users have none.
func (s *Service) IdentityOf(ctx context.Context, name string, method auth.Method) (auth.Identity, error) {
	u, err := s.user(ctx, name)
	if errors.Is(err, auth.ErrUnavailable) {
		return auth.Identity{}, fmt.Errorf("user %q: %w", name, err)
	}
	if err != nil || u.Disabled {
		return auth.Identity{}, fmt.Errorf("user %q: %w", name, auth.ErrUnauthenticated)
	}
	return u.Identity(method), nil
}

// Authenticate checks a user name with a password or a jg_ token. Every
// failure (unknown user, wrong secret, expired or revoked token, disabled
// user) is the same ErrUnauthenticated; a store that cannot answer is
// ErrUnavailable, so that no one is told their credentials are wrong.
func (s *Service) Authenticate(ctx context.Context, name, plain string) (auth.Identity, error) {
	if name == "" || plain == "" || len(plain) > 1024 || auth.ValidateUserName(name) != nil {
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	if strings.HasPrefix(plain, secret.TokenPrefix) {
		t, err := s.tokenFor(ctx, plain)
		if errors.Is(err, auth.ErrUnavailable) {
			return auth.Identity{}, err
		}
		if err != nil || t.User != name {
			return auth.Identity{}, auth.ErrUnauthenticated
		}
		id, err := s.IdentityOf(ctx, name, auth.MethodToken)
		id.Credential = "token:" + t.ID
		return id, err
	}
	if s.cfg.Load().NoPasswords {
		// Sign-in goes through the identity provider; a password, even a
		// right one, proves nothing here.
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	// Unknown, password-less and disabled users cost one argon2id check
	// like everyone else, so the time of a failure tells nothing.
	u, err := s.user(ctx, name)
	ok, cerr := s.passwords.Check(ctx, u.PasswordHash, plain)
	switch {
	case cerr != nil:
		return auth.Identity{}, fmt.Errorf("%w: %w", auth.ErrUnauthenticated, cerr)
	case errors.Is(err, auth.ErrUnavailable):
		return auth.Identity{}, err
	case err != nil && !errors.Is(err, auth.ErrNotFound):
		return auth.Identity{}, fmt.Errorf("%w: %v", auth.ErrUnauthenticated, err)
	case err != nil, !ok, u.Disabled:
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	return u.Identity(auth.MethodPassword), nil
}

// PasswordChecks is how many argon2id password checks have run: every
// failed password costs one, whoever the name is.
func (s *Service) PasswordChecks() uint64 { return s.passwords.Checks() }

// AuthenticateToken checks a bare jg_ token (an API bearer token).
func (s *Service) AuthenticateToken(ctx context.Context, plain string) (auth.Identity, error) {
	t, err := s.tokenFor(ctx, plain)
	if errors.Is(err, auth.ErrUnavailable) {
		return auth.Identity{}, err
	}
	if err != nil {
		return auth.Identity{}, auth.ErrUnauthenticated
	}
	id, err := s.IdentityOf(ctx, t.User, auth.MethodToken)
	id.Credential = "token:" + t.ID
	return id, err
}

// Revalidate checks again that an identity's user may still sign in and
// that the token or SSH key that proved it still works, and returns the
// user's identity as it is now (groups and flags may have changed). The
// push re-check uses it: a token revoked or a key removed during a long
// upload lands nothing.
//
// A refusal is on the record (access.recheck, deny) like every other, before
// it is returned.
func (s *Service) Revalidate(ctx context.Context, who auth.Identity) (auth.Identity, error) {
	fresh, err := s.revalidate(ctx, who)
	if errors.Is(err, auth.ErrUnauthenticated) {
		ev := audit.Event{Action: "access.recheck", Result: "deny", Target: who.Credential, Detail: err.Error()}
		if rerr := s.record(ctx, who, ev); rerr != nil {
			return auth.Identity{}, rerr
		}
	}
	return fresh, err
}

func (s *Service) revalidate(ctx context.Context, who auth.Identity) (auth.Identity, error) {
	fresh, err := s.IdentityOf(ctx, who.User, who.Method)
	if err != nil {
		return auth.Identity{}, err
	}
	kind, ref, _ := strings.Cut(who.Credential, ":")
	switch kind {
	case "token":
		t, err := read(ctx, s.store, func(tx storage.Tx) (auth.Token, error) { return tx.Tokens().Get(ref) })
		if errors.Is(err, auth.ErrNotFound) || (err == nil && t.User != who.User) {
			return auth.Identity{}, fmt.Errorf("%w: the token was revoked or expired", auth.ErrUnauthenticated)
		}
		if err != nil {
			return auth.Identity{}, err
		}
		if t.Revoked || (!t.Expires.IsZero() && !s.now().Before(t.Expires)) {
			return auth.Identity{}, fmt.Errorf("%w: the token was revoked or expired", auth.ErrUnauthenticated)
		}
		if !s.boundRuns(ctx, t) {
			return auth.Identity{}, fmt.Errorf("%w: the grant or request the token lived with has ended", auth.ErrUnauthenticated)
		}
	case "key":
		k, err := read(ctx, s.store, func(tx storage.Tx) (auth.Key, error) { return tx.Keys().Get(ref) })
		if err != nil || k.User != who.User {
			return auth.Identity{}, fmt.Errorf("%w: the SSH key was removed", auth.ErrUnauthenticated)
		}
	}
	fresh.Credential, fresh.Remote, fresh.Transport = who.Credential, who.Remote, who.Transport
	return fresh, nil
}

// UserChange is an administrator's edit of a user. Nil fields stay as they
// are.
type UserChange struct {
	Disabled *bool
	Admin    *bool
	Approver *bool
	Groups   *[]string
	Auditor  *bool
}

// UpdateUser changes a user's flags or groups. A disabled user's tokens,
// sessions and SSH keys stop working at their next use; grants stay on
// record but allow nothing while the user is disabled. Administrators may
// not disable themselves or take away their own admin flag, so a server
// never loses its last way in by accident.
func (s *Service) UpdateUser(ctx context.Context, actor auth.Identity, name string, ch UserChange) (auth.User, error) {
	if err := requireAdmin(actor, "changing a user"); err != nil {
		return auth.User{}, err
	}
	if name == actor.User && ((ch.Disabled != nil && *ch.Disabled) || (ch.Admin != nil && !*ch.Admin)) {
		return auth.User{}, fmt.Errorf("%w: you cannot disable yourself or drop your own admin flag; ask another administrator", auth.ErrForbidden)
	}
	var groups []string
	if ch.Groups != nil {
		var err error
		if groups, err = cleanGroups(*ch.Groups); err != nil {
			return auth.User{}, err
		}
	}
	var out auth.User
	var changes []string
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		changes = changes[:0]
		stored, err := tx.Users().Get(name)
		if err != nil {
			return err
		}
		u := &stored
		if ch.Disabled != nil && u.Disabled != *ch.Disabled {
			u.Disabled = *ch.Disabled
			changes = append(changes, fmt.Sprintf("disabled=%t", u.Disabled))
		}
		if ch.Admin != nil && u.Admin != *ch.Admin {
			u.Admin = *ch.Admin
			changes = append(changes, fmt.Sprintf("admin=%t", u.Admin))
		}
		if ch.Approver != nil && u.Approver != *ch.Approver {
			u.Approver = *ch.Approver
			changes = append(changes, fmt.Sprintf("approver=%t", u.Approver))
		}
		if ch.Auditor != nil && u.Auditor != *ch.Auditor {
			u.Auditor = *ch.Auditor
			changes = append(changes, fmt.Sprintf("auditor=%t", u.Auditor))
		}
		if ch.Groups != nil && !slices.Equal(u.Groups, groups) {
			u.Groups = groups
			changes = append(changes, "groups="+strings.Join(groups, ","))
		}
		out = *u
		if len(changes) == 0 {
			return nil
		}
		if err := tx.Users().Update(stored); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "user.update", Target: name, Detail: strings.Join(changes, " ")})
	})
	if err != nil {
		return auth.User{}, fmt.Errorf("user %s: %w", name, err)
	}
	return out, nil
}
