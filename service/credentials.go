package service

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// Credential limits.
const (
	maxTokenLen   = 4096
	maxPrivateKey = 16 << 10
	// defaultTokenUser is the HTTP user name sent with a token when none is
	// given; the big forges take any user name with a token, and GitHub
	// wants this one for app tokens.
	defaultTokenUser = "x-access-token"
)

var credentialName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// NewCredential is what an administrator gives to add a credential: a
// token (with an optional user name), an SSH private key, or, with
// Generate, nothing but the name: the server makes an ed25519 key.
type NewCredential struct {
	Name     string
	Kind     auth.CredentialKind
	Username string
	// Secret is the token, or the private key in OpenSSH or PEM form
	// without a passphrase. The caller should wipe it after the call.
	Secret   []byte
	Generate bool
}

// FetchCredential is an opened credential, as a fetch hands it to git. Its
// String and GoString hide the secret, so it cannot be logged by accident.
type FetchCredential struct {
	Name     string
	Kind     auth.CredentialKind
	Username string
	Secret   []byte
}

func (c FetchCredential) String() string   { return fmt.Sprintf("credential %s (%s)", c.Name, c.Kind) }
func (c FetchCredential) GoString() string { return c.String() }

// shown is c as anyone may see it: without its sealed secret.
func shown(c auth.Credential) auth.Credential {
	c.Sealed = nil
	return c
}

// AddCredential checks nc, seals its secret and stores it. Only
// administrators may. The secret is never returned, logged or audited;
// for an SSH key the public half is, to be installed upstream as a deploy
// key.
func (s *Service) AddCredential(ctx context.Context, actor auth.Identity, nc NewCredential) (auth.Credential, error) {
	if err := requireAdmin(actor, "adding a credential"); err != nil {
		return auth.Credential{}, err
	}
	if s.cfg.Load().Credentials == nil {
		return auth.Credential{}, errors.New("this server has no credential key configured")
	}
	if !credentialName.MatchString(nc.Name) {
		return auth.Credential{}, fmt.Errorf("%w: credential name %q: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", auth.ErrInvalid, auth.Printable(nc.Name))
	}
	c := auth.Credential{Name: nc.Name, Kind: nc.Kind, Created: s.now().UTC(), CreatedBy: actor.Name()}
	var secret []byte
	switch nc.Kind {
	case auth.CredentialToken:
		if nc.Generate {
			return auth.Credential{}, fmt.Errorf("%w: only SSH keys are generated; give the token on standard input", auth.ErrInvalid)
		}
		tok := strings.TrimRight(string(nc.Secret), "\r\n")
		switch {
		case tok == "":
			return auth.Credential{}, fmt.Errorf("%w: the token is empty", auth.ErrInvalid)
		case len(tok) > maxTokenLen:
			return auth.Credential{}, fmt.Errorf("%w: the token is longer than %d bytes", auth.ErrInvalid, maxTokenLen)
		case strings.ContainsFunc(tok, func(r rune) bool { return r < 0x21 || r == 0x7f }):
			return auth.Credential{}, fmt.Errorf("%w: the token contains spaces or control characters (one token on one line, please)", auth.ErrInvalid)
		}
		c.Username = nc.Username
		if c.Username == "" {
			c.Username = defaultTokenUser
		}
		if len(c.Username) > 256 || strings.ContainsAny(c.Username, ":") || strings.ContainsFunc(c.Username, func(r rune) bool { return r < 0x21 || r == 0x7f }) {
			return auth.Credential{}, fmt.Errorf("%w: user name %q: no ':', spaces or control characters, at most 256 bytes", auth.ErrInvalid, auth.Printable(c.Username))
		}
		secret = []byte(tok)
	case auth.CredentialSSHKey:
		if nc.Username != "" {
			return auth.Credential{}, fmt.Errorf("%w: an SSH key has no user name; put it in the upstream URL (ssh://user@host/...)", auth.ErrInvalid)
		}
		var pub ssh.PublicKey
		var err error
		if nc.Generate {
			secret, pub, err = generateEd25519(nc.Name)
		} else {
			secret, pub, err = parsePrivateKey(nc.Secret)
		}
		if err != nil {
			return auth.Credential{}, err
		}
		c.PublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " jitgit-" + nc.Name
		c.Fingerprint = ssh.FingerprintSHA256(pub)
	default:
		return auth.Credential{}, fmt.Errorf("%w: a credential is a token or an SSH key, not %q", auth.ErrInvalid, auth.Printable(string(nc.Kind)))
	}
	c.Sealed = s.cfg.Load().Credentials.Seal(secret, c.Name)
	clear(secret)
	detail := string(c.Kind)
	if c.Kind == auth.CredentialToken {
		detail += " for user " + c.Username
	} else {
		detail += " " + c.Fingerprint
		if nc.Generate {
			detail += ", generated"
		}
	}
	err := s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if err := tx.Credentials().Create(c); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "credential.add", Target: "credential:" + c.Name, Detail: detail})
	})
	if err != nil {
		return auth.Credential{}, fmt.Errorf("credential %s: %w", c.Name, err)
	}
	return shown(c), nil
}

// generateEd25519 makes a new key and returns its private half in OpenSSH
// form.
func generateEd25519(name string) ([]byte, ssh.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate a key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "jitgit-"+name)
	if err != nil {
		return nil, nil, fmt.Errorf("generate a key: %w", err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("generate a key: %w", err)
	}
	return pem.EncodeToMemory(block), sp, nil
}

// parsePrivateKey checks an SSH private key and returns it, normalised,
// with its public half.
func parsePrivateKey(b []byte) ([]byte, ssh.PublicKey, error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%w: the key file is empty", auth.ErrInvalid)
	}
	if len(b) > maxPrivateKey {
		return nil, nil, fmt.Errorf("%w: the key file is longer than %d bytes: not a private key", auth.ErrInvalid, maxPrivateKey)
	}
	signer, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		return nil, nil, fmt.Errorf("%w: the key has a passphrase; make a copy without one (ssh-keygen -p) for the mirror", auth.ErrInvalid)
	case err != nil:
		if _, _, _, _, perr := ssh.ParseAuthorizedKey(b); perr == nil {
			return nil, nil, fmt.Errorf("%w: this is a public key; give the private half (the file without .pub)", auth.ErrInvalid)
		}
		return nil, nil, fmt.Errorf("%w: not an SSH private key (OpenSSH or PEM form): %v", auth.ErrInvalid, err)
	}
	out := []byte(strings.TrimSpace(string(b)) + "\n")
	return out, signer.PublicKey(), nil
}

// ListCredentials returns every credential, without secrets. Only
// administrators may.
func (s *Service) ListCredentials(ctx context.Context, actor auth.Identity) ([]auth.Credential, error) {
	if err := requireAdmin(actor, "listing credentials"); err != nil {
		return nil, err
	}
	cs, err := read(ctx, s.store, func(tx storage.Tx) ([]auth.Credential, error) { return tx.Credentials().List() })
	if err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i] = shown(cs[i])
	}
	return cs, nil
}

// RemoveCredential deletes the credential name, unless a mirror uses it:
// then the error wraps ErrConflict and names the mirrors. Only
// administrators may.
func (s *Service) RemoveCredential(ctx context.Context, actor auth.Identity, name string) error {
	if err := requireAdmin(actor, "removing a credential"); err != nil {
		return err
	}
	return s.update(ctx, actor, func(tx storage.Tx, ev *changeEvents) error {
		if _, err := tx.Credentials().Get(name); err != nil {
			return err
		}
		rs, err := tx.Repos().List()
		if err != nil {
			return err
		}
		var users []string
		for _, r := range rs {
			if r.Credential == name {
				users = append(users, r.Name)
			}
		}
		if len(users) > 0 {
			return fmt.Errorf("%w: credential %s is used by %s; give them another first (`jitgit repo mirror set NAME --credential OTHER`)",
				auth.ErrConflict, name, strings.Join(users, ", "))
		}
		if err := tx.Credentials().Delete(name); err != nil {
			return err
		}
		return ev.add(audit.Event{Action: "credential.remove", Target: "credential:" + name})
	})
}

// openCredential reads and opens the credential name in tx.
func (s *Service) openCredential(tx storage.Tx, name string) (*FetchCredential, error) {
	c, err := tx.Credentials().Get(name)
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", name, err)
	}
	if s.cfg.Load().Credentials == nil {
		return nil, fmt.Errorf("credential %s: this server has no credential key configured", name)
	}
	secret, err := s.cfg.Load().Credentials.Open(c.Sealed, c.Name)
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w (is this the key file the credential was added with?)", name, err)
	}
	return &FetchCredential{Name: c.Name, Kind: c.Kind, Username: c.Username, Secret: secret}, nil
}
