package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// boxVersion starts every sealed value, naming the cipher and its layout:
// AES-256-GCM, a 12-byte random nonce, then the ciphertext and its tag.
const boxVersion = 1

// Box seals secrets at rest with AES-256-GCM under one key kept outside the
// store, so that a copy of the database alone (a backup, a stolen disk
// image of the data without the key file) does not reveal them. It is safe
// for concurrent use.
type Box struct{ aead cipher.AEAD }

// NewBox returns a Box sealing with key, which must be 32 bytes.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret box: the key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret box: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret box: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain, bound to context (such as the name of the record
// that holds it): Open with another context fails, so a sealed value
// copied into another record is useless there.
func (b *Box) Seal(plain []byte, context string) []byte {
	out := make([]byte, 1+b.aead.NonceSize(), 1+b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	out[0] = boxVersion
	rand.Read(out[1:])
	return b.aead.Seal(out, out[1:], plain, []byte(context))
}

// Open decrypts a value Seal made with the same key and context.
func (b *Box) Open(sealed []byte, context string) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != boxVersion {
		return nil, errors.New("secret box: not a sealed value of this version")
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(context))
	if err != nil {
		return nil, errors.New("secret box: cannot open: another key, or the value was altered")
	}
	return plain, nil
}

// keyFilePrefix starts the key file, so that a stray file is not taken
// for a key.
const keyFilePrefix = "jitgit-secret-key-v1 "

// LoadOrCreateKey returns the Box of the key in the file at path, creating
// the file with a new random key (mode 0600, never replaced) when it does
// not exist. A key file that others than its owner may read or write is
// refused: the key would not be secret.
func LoadOrCreateKey(path string) (*Box, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		key := make([]byte, 32)
		rand.Read(key)
		_, werr := f.WriteString(keyFilePrefix + base64.StdEncoding.EncodeToString(key) + "\n")
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("secret key %s: %w", path, err)
		}
		return NewBox(key)
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret key %s: mode %s lets others than its owner read it; run `chmod 600 %s`", path, fi.Mode(), path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	enc, ok := strings.CutPrefix(strings.TrimSpace(string(raw)), keyFilePrefix)
	key, err := base64.StdEncoding.DecodeString(enc)
	if !ok || err != nil || len(key) != 32 {
		return nil, fmt.Errorf("secret key %s: not a jitgit key file (want %q and 32 bytes in base64)", path, strings.TrimSpace(keyFilePrefix))
	}
	return NewBox(key)
}
