package server

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// HostKeyFile is the name of the SSH host key inside the data directory.
const HostKeyFile = "ssh_host_ed25519_key"

// LoadHostKey reads the SSH host key at path (an OpenSSH PEM private key of
// mode 0600), or, when there is none, generates an ed25519 key and writes it
// there. created reports whether the key was made now. A key file others
// can read is refused, as OpenSSH refuses it. Two processes creating the key
// at once end up with the same one.
func LoadHostKey(path string) (key ssh.Signer, created bool, err error) {
	return loadHostKey(path, func() (crypto.PrivateKey, error) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	})
}

// loadHostKey is LoadHostKey with the key made by generate.
func loadHostKey(path string, generate func() (crypto.PrivateKey, error)) (key ssh.Signer, created bool, err error) {
	key, err = readHostKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	priv, err := generate()
	if err != nil {
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "jitgit host key")
	if err != nil {
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	// Write a temporary file (CreateTemp makes it 0600) and link it into
	// place: the key appears complete or not at all, and an existing key
	// is never overwritten.
	f, err := os.CreateTemp(filepath.Dir(path), ".ssh_host_key-*")
	if err != nil {
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(pem.EncodeToMemory(block)); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	if err := os.Link(f.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			key, err := readHostKey(path)
			return key, false, err
		}
		return nil, false, fmt.Errorf("SSH host key: %w", err)
	}
	key, err = readHostKey(path)
	return key, err == nil, err
}

func readHostKey(path string) (ssh.Signer, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("SSH host key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("SSH host key %s: not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("SSH host key %s: mode %04o lets others read it; run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("SSH host key: %w", err)
	}
	key, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("SSH host key %s: %w", path, err)
	}
	return key, nil
}
