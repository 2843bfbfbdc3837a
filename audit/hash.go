package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Hash forms: the encoding of an event that its chain hash is computed
// over. An event records its form (Event.HashVersion) so that a trail keeps
// verifying when the form changes; events are never rehashed.
const (
	// HashV1 is SHA-256 over Prev followed by the JSON of the event as the
	// first releases stored it. It is only verified, never written.
	HashV1 uint8 = 1
	// HashV2 is SHA-256 over the canonical encoding written by
	// appendCanonicalV2.
	HashV2 uint8 = 2
	// HashCurrent is the form new events are hashed in.
	HashCurrent = HashV2
)

// ErrHashForm reports an event whose hash form is unknown, or that holds
// something its form cannot cover.
var ErrHashForm = errors.New("audit hash form")

// Hash returns the hex SHA-256 that chains e, computed in the form
// e.HashVersion names. It covers Prev, Seq and every other field except
// Hash itself; the form is covered too, because each form's input is
// distinct from every other's. It fails for an unknown form, and for a
// HashV1 event that sets a field or holds a string that form cannot
// represent exactly, so that no edit can hide behind the older form.
func Hash(e Event) (string, error) {
	sum, err := hashSum(e)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum[:]), nil
}

// hashSum is Hash before its hex encoding.
func hashSum(e Event) (sum [sha256.Size]byte, err error) {
	switch e.HashVersion {
	case HashV1:
		b, err := legacyJSON(e)
		if err != nil {
			return sum, err
		}
		h := sha256.New()
		h.Write([]byte(e.Prev))
		h.Write(b)
		h.Sum(sum[:0])
	case HashV2:
		// Most events fit the stack buffer: a verification of a million
		// of them allocates nothing here.
		var buf [512]byte
		sum = sha256.Sum256(appendCanonicalV2(buf[:0], e))
	default:
		return sum, fmt.Errorf("%w %d of event %d: unknown", ErrHashForm, e.HashVersion, e.Seq)
	}
	return sum, nil
}

// CheckLink reports why e cannot follow prev in a chain (prev is nil for
// the first event): e must name prev's hash, use a hash form no older than
// prev's, and carry the hash of its own contents. It does not look at
// sequence numbers, which are the store's to check.
func CheckLink(prev *Event, e Event) error {
	prevHash, prevForm := "", uint8(0)
	if prev != nil {
		prevHash, prevForm = prev.Hash, prev.HashVersion
	}
	if e.Prev != prevHash {
		return errors.New("does not name the previous event's hash")
	}
	// Forms only ever move forward: a trail written in the current form
	// never needs an older one again, so an older form after a newer one
	// can only be an edit.
	if e.HashVersion < prevForm {
		return fmt.Errorf("hash form %d after form %d", e.HashVersion, prevForm)
	}
	sum, err := hashSum(e)
	if err != nil {
		return err
	}
	var h [2 * sha256.Size]byte
	hex.Encode(h[:], sum[:])
	if string(h[:]) != e.Hash {
		return errors.New("hash does not match its contents")
	}
	return nil
}

// canonicalV2Prefix starts every HashV2 input. A HashV1 input starts with
// a hex digit or '{', so no input of one form is an input of the other.
const canonicalV2Prefix = "jitgit audit event\x00"

// appendCanonicalV2 appends the HashV2 encoding of e to b:
//
//	"jitgit audit event" 0x00, the form byte 2,
//	Prev                                    string
//	Seq                                     8 bytes big-endian
//	Time                                    8 bytes big-endian Unix seconds (two's
//	                                        complement), 4 bytes big-endian nanoseconds
//	Actor, Remote, Transport, Action, Repo,
//	Target, Result, Grant, Policy, Request,
//	Detail                                  string
//
// A string is its length as a uvarint and its bytes, unaltered. Time is the
// instant alone: events are kept in UTC. A field added to Event needs a new
// form, and the property test in hash_test.go fails until it has one.
func appendCanonicalV2(b []byte, e Event) []byte {
	b = append(b, canonicalV2Prefix...)
	b = append(b, HashV2)
	b = appendString(b, e.Prev)
	b = binary.BigEndian.AppendUint64(b, e.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(e.Time.Nanosecond()))
	for _, s := range [...]string{e.Actor, e.Remote, e.Transport, e.Action, e.Repo,
		e.Target, e.Result, e.Grant, e.Policy, e.Request, e.Detail} {
		b = appendString(b, s)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// eventV1 is the event as the first releases marshalled it, field for field
// and tag for tag. It is frozen: the HashV1 input must stay byte for byte
// what it was, whatever happens to Event.
type eventV1 struct {
	Seq       uint64    `json:"seq"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Remote    string    `json:"remote,omitempty"`
	Transport string    `json:"transport,omitempty"`
	Action    string    `json:"action"`
	Repo      string    `json:"repo,omitempty"`
	Target    string    `json:"target,omitempty"`
	Result    string    `json:"result"`
	Grant     string    `json:"grant,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Request   string    `json:"request,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Prev      string    `json:"prev"`
	Hash      string    `json:"hash"`
}

// legacyJSON returns the HashV1 input after Prev: the JSON of e with an
// empty hash. JSON replaces invalid UTF-8 and knows nothing of fields added
// since, so an event that needs either is refused rather than hashed the
// same as a different one.
func legacyJSON(e Event) ([]byte, error) {
	v := eventV1{
		Seq: e.Seq, Time: e.Time, Actor: e.Actor, Remote: e.Remote, Transport: e.Transport,
		Action: e.Action, Repo: e.Repo, Target: e.Target, Result: e.Result, Grant: e.Grant,
		Policy: e.Policy, Request: e.Request, Detail: e.Detail, Prev: e.Prev,
	}
	back := Event{
		Seq: v.Seq, Time: v.Time, Actor: v.Actor, Remote: v.Remote, Transport: v.Transport,
		Action: v.Action, Repo: v.Repo, Target: v.Target, Result: v.Result, Grant: v.Grant,
		Policy: v.Policy, Request: v.Request, Detail: v.Detail, Prev: v.Prev,
		Hash: e.Hash, HashVersion: HashV1, Intent: e.Intent,
	}
	if back != e {
		return nil, fmt.Errorf("%w %d of event %d: sets a field the form does not cover", ErrHashForm, HashV1, e.Seq)
	}
	for _, s := range [...]string{v.Actor, v.Remote, v.Transport, v.Action, v.Repo, v.Target,
		v.Result, v.Grant, v.Policy, v.Request, v.Detail, v.Prev} {
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("%w %d of event %d: invalid UTF-8", ErrHashForm, HashV1, e.Seq)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w %d of event %d: %w", ErrHashForm, HashV1, e.Seq, err)
	}
	return b, nil
}
