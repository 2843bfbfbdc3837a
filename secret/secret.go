// Package secret makes and checks the server's secrets: argon2id password
// hashes, random tokens and ids, and constant-time comparison of hashes.
package secret

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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
	// slots holds one token per check running (one per core), waiting one
	// per check queued: a burst of sign-ins costs at most
	// len(slots) × MemoryKiB at once, and what cannot queue is ErrBusy.
	slots   chan struct{}
	waiting chan struct{}
	checks  atomic.Uint64
}

// ErrBusy is the error of a password check refused because too many run and
// wait already; the caller should answer 429 and ask to retry.
var ErrBusy = errors.New("too many password checks at once; try again in a moment")

// maxCheckWait bounds how long a password check queues for a slot.
const maxCheckWait = 2 * time.Second

// NewPasswords hashes at cost; a zero cost is DefaultPasswordCost.
func NewPasswords(cost PasswordCost) *Passwords {
	if cost.Time == 0 || cost.MemoryKiB == 0 {
		cost = DefaultPasswordCost()
	}
	cores := runtime.GOMAXPROCS(0)
	p := &Passwords{cost: cost, slots: make(chan struct{}, cores), waiting: make(chan struct{}, 4*cores)}
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

// Check reports whether password matches the PHC hash. Every failure costs
// one argon2id check, also for an empty hash (a user without a password, or
// none at all: pass ""), so the answer's time does not tell them apart. At
// most one check per core runs at once; the rest queue for up to
// maxCheckWait, and beyond the queue or that wait the error is ErrBusy.
func (p *Passwords) Check(ctx context.Context, hash, password string) (bool, error) {
	select {
	case p.waiting <- struct{}{}:
	default:
		return false, ErrBusy
	}
	wait := time.NewTimer(maxCheckWait)
	defer wait.Stop()
	select {
	case p.slots <- struct{}{}:
		<-p.waiting
	case <-wait.C:
		<-p.waiting
		return false, ErrBusy
	case <-ctx.Done():
		<-p.waiting
		return false, ctx.Err()
	}
	defer func() { <-p.slots }()
	p.checks.Add(1)
	if hash == "" {
		CheckPassword(p.dummy(), password)
		return false, nil
	}
	return CheckPassword(hash, password), nil
}

// Checks is how many argon2id checks Check has run.
func (p *Passwords) Checks() uint64 { return p.checks.Load() }

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
