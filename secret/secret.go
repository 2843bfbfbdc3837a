// Package secret makes and checks the server's secrets: argon2id password
// hashes, random tokens and ids, and constant-time comparison of hashes.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// argon2id's fixed parameters; the cost (passes and memory) is a
// PasswordCost, recorded in every hash so that it can change.
const (
	argonThreads = 1
	argonKeyLen  = 32
)

// PasswordCost is the work of one argon2id password hash.
type PasswordCost struct {
	Time      uint32 // passes
	MemoryKiB uint32
}

// DefaultPasswordCost is RFC 9106's second recommendation scaled to a small
// server: 19 MiB, 2 passes. Only tests, which hash hundreds of passwords
// under the race detector, use less.
func DefaultPasswordCost() PasswordCost { return PasswordCost{Time: 2, MemoryKiB: 19 * 1024} }

// TokenPrefix starts every personal access token, so secret scanners and
// the HTTP handler can tell a token from a password.
const TokenPrefix = "jg_"

// Passwords hashes passwords at one cost. Its zero value is not usable:
// make one with NewPasswords.
type Passwords struct {
	cost PasswordCost
	// dummy is checked against when a user does not exist, so that the
	// answer takes as long as for a real user. It is made on first use:
	// every process importing this package (the CLI, the pre-receive hook)
	// would otherwise pay for an argon2 hash at start.
	dummy func() string
}

// NewPasswords hashes at cost; a zero cost is DefaultPasswordCost.
func NewPasswords(cost PasswordCost) *Passwords {
	if cost.Time == 0 || cost.MemoryKiB == 0 {
		cost = DefaultPasswordCost()
	}
	p := &Passwords{cost: cost}
	p.dummy = sync.OnceValue(func() string {
		h, _ := p.Hash("jitgit dummy password")
		return h
	})
	return p
}

// Hash returns an argon2id PHC string for password.
func (p *Passwords) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.cost.Time, p.cost.MemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.cost.MemoryKiB, p.cost.Time, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckNobody spends the time of one CheckPassword and fails: it is checked
// when a user does not exist.
func (p *Passwords) CheckNobody(password string) bool {
	CheckPassword(p.dummy(), password)
	return false
}

// CheckPassword reports whether password matches the PHC hash, comparing in
// constant time. A malformed hash never matches.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NewSecret returns a random secret of n bytes, URL-safe base64 encoded.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a short random identifier with a kind prefix, e.g. "g_…".
func NewID(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(strings.TrimRight(base32Enc(b), "="))
}

func base32Enc(b []byte) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var out strings.Builder
	var acc uint64
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out.WriteByte(alphabet[(acc>>bits)&31])
		}
	}
	if bits > 0 {
		out.WriteByte(alphabet[(acc<<(5-bits))&31])
	}
	return out.String()
}

// HashSecret returns the hex SHA-256 of a token or session secret. Such
// secrets carry 256 random bits, so a fast hash is enough.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SameHash compares two hex hashes in constant time.
func SameHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
