package server

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// HostKeyKinds are the SSH host key types the server can make, in the
// order it prefers them. All three are made by default: ed25519 for
// current clients, ECDSA P-256 and RSA 3072 for JSch-based ones (older
// Jenkins and Eclipse) that know no ed25519.
var HostKeyKinds = []string{"ed25519", "ecdsa", "rsa"}

// hostKeyGenerators make one key of each kind.
var hostKeyGenerators = map[string]func() (crypto.PrivateKey, error){
	"ed25519": func() (crypto.PrivateKey, error) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	},
	"ecdsa": func() (crypto.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) },
	"rsa":   func() (crypto.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 3072) },
}

// HostKeyPath is the file of the host key of kind inside the data
// directory, named as OpenSSH names its own: ssh_host_ed25519_key,
// ssh_host_ecdsa_key, ssh_host_rsa_key.
func HostKeyPath(dataDir, kind string) string {
	return filepath.Join(dataDir, "ssh_host_"+kind+"_key")
}

// HostKey is one loaded host key and whether it was made now.
type HostKey struct {
	Kind    string
	Signer  ssh.Signer
	Created bool
}

// LoadHostKeys loads (and, where missing, makes) the host keys of kinds
// in the data directory, each as LoadHostKey does. An unknown kind or a
// repeated one is an error that names it.
func LoadHostKeys(dataDir string, kinds []string) ([]HostKey, error) {
	if len(kinds) == 0 {
		return nil, fmt.Errorf("SSH host keys: none configured; name at least one of %s", strings.Join(HostKeyKinds, ", "))
	}
	seen := map[string]bool{}
	var keys []HostKey
	for _, kind := range kinds {
		gen, ok := hostKeyGenerators[kind]
		if !ok {
			return nil, fmt.Errorf("SSH host keys: unknown kind %q; use %s", printableASCII(kind), strings.Join(HostKeyKinds, ", "))
		}
		if seen[kind] {
			return nil, fmt.Errorf("SSH host keys: %q named twice", kind)
		}
		seen[kind] = true
		signer, created, err := loadHostKey(HostKeyPath(dataDir, kind), gen)
		if err != nil {
			return nil, err
		}
		keys = append(keys, HostKey{Kind: kind, Signer: signer, Created: created})
	}
	return keys, nil
}
