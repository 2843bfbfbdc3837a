package service

import (
	"context"
	"fmt"

	"github.com/jitgit/jitgit/auth"
)

// SocketIdentity is the identity of the admin socket acting as the named
// administrator (`jitgit --as NAME`): the holder of the socket is trusted,
// and names who they are, so that approvals, separation of duties and the
// audit trail see a person rather than "local-admin". The user must exist,
// be enabled and be an administrator.
func (s *Service) SocketIdentity(ctx context.Context, name string) (auth.Identity, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return auth.Identity{}, fmt.Errorf("%w: --as %s: no such user", auth.ErrForbidden, name)
	}
	if u.Disabled || !u.Admin {
		return auth.Identity{}, fmt.Errorf("%w: --as %s: the admin socket acts only as an enabled administrator", auth.ErrForbidden, name)
	}
	id := u.Identity(auth.MethodSocket)
	id.Remote, id.Transport = "unix", "cli"
	return id, nil
}

// SocketDefaultIdentity is the identity of the admin socket when a request
// names nobody: the configured administrator name (admin_user) if that
// user exists, is enabled and is an administrator, and otherwise the
// unnamed local administrator, which can still repair the user but
// decides no request.
func (s *Service) SocketDefaultIdentity(ctx context.Context, name string) auth.Identity {
	if name != "" {
		if id, err := s.SocketIdentity(ctx, name); err == nil {
			return id
		}
	}
	return auth.LocalAdmin()
}
