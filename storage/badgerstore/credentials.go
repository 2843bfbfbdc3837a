package badgerstore

import (
	"fmt"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/record"
)

// credentials is storage.Credentials in one transaction.
type credentials struct{ t *tx }

// Create stores a new credential; the name must be new.
func (s credentials) Create(c auth.Credential) error {
	if err := record.CheckSegment("credential name", c.Name); err != nil {
		return err
	}
	ok, err := exists(s.t.txn, record.CredentialKey(c.Name))
	if err != nil {
		return fmt.Errorf("credential %q: %w", c.Name, err)
	}
	if ok {
		return fmt.Errorf("credential %q: %w", c.Name, auth.ErrExists)
	}
	if err := s.t.added("credential"); err != nil {
		return fmt.Errorf("credential %q: %w", c.Name, err)
	}
	return set(s.t.txn, record.CredentialKey(c.Name), c)
}

// Get returns the credential called name.
func (s credentials) Get(name string) (auth.Credential, error) {
	return get[auth.Credential](s.t.txn, record.CredentialKey(name), fmt.Sprintf("credential %q", name))
}

// Update replaces the credential called c.Name, which must exist and keep
// its kind.
func (s credentials) Update(c auth.Credential) error {
	old, err := s.Get(c.Name)
	if err != nil {
		return err
	}
	if old.Kind != c.Kind {
		return fmt.Errorf("%w: credential %q: its kind cannot change", auth.ErrInvalid, c.Name)
	}
	return set(s.t.txn, record.CredentialKey(c.Name), c)
}

// Delete removes the credential called name.
func (s credentials) Delete(name string) error {
	if _, err := s.Get(name); err != nil {
		return err
	}
	if err := s.t.txn.Delete(record.CredentialKey(name)); err != nil {
		return fmt.Errorf("credential %q: %w", name, err)
	}
	return nil
}

// List returns every credential, sorted by name.
func (s credentials) List() ([]auth.Credential, error) {
	if err := s.t.listed("credential"); err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	cs, err := scan[auth.Credential](s.t.txn, []byte(record.PrefixCredential))
	if err != nil {
		return nil, fmt.Errorf("list credentials: %w", err)
	}
	return cs, nil
}
