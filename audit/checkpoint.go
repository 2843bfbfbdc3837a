package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Checkpoint is a signed statement that the chain held event Seq with hash
// Hash at Time. Whoever can write the database can rewrite the trail and
// rehash it, but cannot sign: a checkpoint the rewritten chain disagrees
// with shows the rewrite.
type Checkpoint struct {
	Seq  uint64    `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
	// Key is the hex SHA-256 of the signing public key (KeyID), so a
	// verifier knows which key to use after a key change.
	Key       string `json:"key"`
	Signature []byte `json:"signature"` // ed25519 over CheckpointMessage
}

// checkpointPrefix starts every signed checkpoint message; no event hash
// input starts so.
const checkpointPrefix = "jitgit audit checkpoint\x00"

// CheckpointV1 is the one form of the signed message.
const CheckpointV1 uint8 = 1

// CheckpointMessage returns the bytes a checkpoint's signature covers:
//
//	"jitgit audit checkpoint" 0x00, the form byte 1,
//	Seq     8 bytes big-endian
//	Hash    uvarint length and its bytes (the event's hex hash)
//	Time    8 bytes big-endian Unix seconds, 4 bytes big-endian nanoseconds
//	Key     uvarint length and its bytes
func CheckpointMessage(c Checkpoint) []byte {
	b := append([]byte(checkpointPrefix), CheckpointV1)
	b = binary.BigEndian.AppendUint64(b, c.Seq)
	b = appendString(b, c.Hash)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Time.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(c.Time.Nanosecond()))
	return appendString(b, c.Key)
}

// KeyID names a public key: the hex SHA-256 of its 32 bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// Signer signs checkpoints with one ed25519 key.
type Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewSigner signs with key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, id: KeyID(key.Public().(ed25519.PublicKey))}
}

// Public returns the key that verifies the signer's checkpoints.
func (s *Signer) Public() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns a checkpoint of event seq with hash at t.
func (s *Signer) Sign(seq uint64, hash string, t time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, Time: t.UTC().Round(0), Key: s.id}
	c.Signature = ed25519.Sign(s.key, CheckpointMessage(c))
	return c
}

// ErrCheckpoint reports a checkpoint that does not hold: a bad signature,
// an unknown key, or a chain that disagrees with it.
var ErrCheckpoint = errors.New("audit checkpoint")

// CheckSignature reports whether c is signed by pub.
func CheckSignature(pub ed25519.PublicKey, c Checkpoint) error {
	if c.Key != KeyID(pub) {
		return fmt.Errorf("%w %d: signed by key %.16s…, not by the key given (%.16s…)", ErrCheckpoint, c.Seq, c.Key, KeyID(pub))
	}
	if !ed25519.Verify(pub, CheckpointMessage(c), c.Signature) {
		return fmt.Errorf("%w %d: the signature does not verify", ErrCheckpoint, c.Seq)
	}
	return nil
}
