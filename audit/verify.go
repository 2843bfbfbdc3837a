package audit

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"
)

// ChainError says where a trail stops verifying.
type ChainError struct {
	Seq     uint64 // the first event (or checkpoint) that does not verify
	Problem string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", e.Seq, e.Problem)
}

// Verifier checks a trail given one event at a time, oldest first, with
// the signed checkpoints interleaved: a checkpoint is given before the
// event it covers or after it, at most Behind events later. It keeps the
// last event, the hashes of the Behind before it and the checkpoints not
// yet reached, nothing else, so a trail of any length verifies in
// constant memory.
//
// A trail that starts after event 1 (a window of an export, or the server
// checking from its last checkpoint) is checked from its first event on:
// that event's own hash, and every link after it; its link to what came
// before is what a checkpoint at or after it vouches for.
type Verifier struct {
	// Key verifies the checkpoints; with none, a checkpoint is refused.
	Key ed25519.PublicKey
	// Keys are more keys that verify checkpoints: on a cluster each node
	// signs with its own. A checkpoint names its key by KeyID, and one
	// whose key is neither Key nor in Keys is refused.
	Keys []ed25519.PublicKey
	// MaxGap, when set, is the most events allowed between two
	// checkpoints and after the last one: more means checkpoints were
	// removed (the writer signs one at least every MaxGap events).
	MaxGap uint64

	last        Event
	started     bool
	pending     []Checkpoint
	checkpoints int
	lastSigned  Checkpoint
	events      uint64
	// recent are the hashes of the last Behind events, by Seq%Behind.
	recent [Behind]recentHash
}

// Behind is how many events after its own a checkpoint may be given: a
// walk that looks checkpoints up every so often, not at each event,
// finds one signed while it walked a little after its event.
const Behind = 1024

type recentHash struct {
	seq  uint64
	hash string
}

// Event checks e after the events before it.
func (v *Verifier) Event(e Event) error {
	switch {
	case !v.started && e.Seq == 1:
		if err := CheckLink(nil, e); err != nil {
			return &ChainError{Seq: e.Seq, Problem: err.Error()}
		}
	case !v.started:
		h, err := Hash(e)
		if err != nil {
			return &ChainError{Seq: e.Seq, Problem: err.Error()}
		}
		if h != e.Hash {
			return &ChainError{Seq: e.Seq, Problem: "hash does not match its contents"}
		}
	case e.Seq != v.last.Seq+1:
		return &ChainError{Seq: v.last.Seq + 1, Problem: fmt.Sprintf("missing; the next event is %d", e.Seq)}
	default:
		if err := CheckLink(&v.last, e); err != nil {
			return &ChainError{Seq: e.Seq, Problem: err.Error()}
		}
	}
	v.started = true
	e.Intent = ""
	v.last = e
	v.recent[e.Seq%Behind] = recentHash{e.Seq, e.Hash}
	v.events++
	for len(v.pending) > 0 && v.pending[0].Seq <= e.Seq {
		c := v.pending[0]
		v.pending = v.pending[1:]
		if c.Seq == e.Seq {
			if err := v.match(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Checkpoint checks c's signature and, once its event is reached, that the
// chain holds the hash c signed.
func (v *Verifier) Checkpoint(c Checkpoint) error {
	if v.Key == nil && len(v.Keys) == 0 {
		return fmt.Errorf("%w %d: no public key to check it with", ErrCheckpoint, c.Seq)
	}
	key, n := v.keyOf(c)
	if key == nil {
		return &ChainError{Seq: c.Seq, Problem: fmt.Sprintf("%v %d: signed by key %.16s…, which is none of the %d keys listed (a node's key missing from [cluster] audit_keys, or a forged checkpoint)",
			ErrCheckpoint, c.Seq, c.Key, n)}
	}
	if err := CheckSignature(key, c); err != nil {
		return &ChainError{Seq: c.Seq, Problem: err.Error()}
	}
	if n := len(v.pending); n > 0 && c.Seq <= v.pending[n-1].Seq {
		return &ChainError{Seq: c.Seq, Problem: "checkpoint out of order"}
	}
	switch {
	case v.started && c.Seq == v.last.Seq:
		return v.match(c)
	case v.started && c.Seq < v.last.Seq:
		if r := v.recent[c.Seq%Behind]; r.seq == c.Seq && r.hash != "" {
			last := v.last
			v.last.Hash = r.hash
			err := v.match(c)
			v.last = last
			return err
		}
		return &ChainError{Seq: c.Seq, Problem: "checkpoint given after later events"}
	case !v.started:
		// Before the first event: it covers that event or a later one,
		// or, below it, nothing this walk checks.
	}
	if len(v.pending) >= 1024 {
		return &ChainError{Seq: c.Seq, Problem: "more than 1024 checkpoints ahead of the events"}
	}
	v.pending = append(v.pending, c)
	return nil
}

// keyOf returns the key c names and how many keys there are. With one
// key that is not c's it returns that key, so that CheckSignature says
// which key signed as it always has; with more, nil.
func (v *Verifier) keyOf(c Checkpoint) (ed25519.PublicKey, int) {
	var keys []ed25519.PublicKey
	for _, k := range append([]ed25519.PublicKey{v.Key}, v.Keys...) {
		if k == nil {
			continue
		}
		if KeyID(k) == c.Key {
			return k, 0
		}
		keys = append(keys, k)
	}
	if len(keys) == 1 {
		return keys[0], 1
	}
	return nil, len(keys)
}

func (v *Verifier) match(c Checkpoint) error {
	if c.Hash != v.last.Hash {
		return &ChainError{Seq: c.Seq, Problem: fmt.Sprintf("hash %.16s… differs from the one signed in the checkpoint of %s (%.16s…): the trail was rewritten up to here",
			v.last.Hash, c.Time.Format(time.RFC3339), c.Hash)}
	}
	// The events before the first checkpoint are vouched for by it, through
	// the links; gaps count between checkpoints.
	if v.MaxGap > 0 && v.checkpoints > 0 && c.Seq-v.lastSigned.Seq > v.MaxGap {
		return &ChainError{Seq: v.lastSigned.Seq + 1, Problem: fmt.Sprintf("events %d to %d have no checkpoint (at most %d apart are signed): checkpoints were removed",
			v.lastSigned.Seq+1, c.Seq, v.MaxGap)}
	}
	v.lastSigned = c
	v.checkpoints++
	return nil
}

// Finish reports a checkpoint beyond the last event (events were removed
// from the end) and, with MaxGap, a tail too long to be unsigned.
func (v *Verifier) Finish() error {
	if len(v.pending) > 0 {
		c := v.pending[0]
		return &ChainError{Seq: v.last.Seq + 1, Problem: fmt.Sprintf("the trail ends at %d but event %d was signed in the checkpoint of %s: events were removed",
			v.last.Seq, c.Seq, c.Time.Format(time.RFC3339))}
	}
	if v.MaxGap > 0 && v.started && v.last.Seq-v.lastSigned.Seq > v.MaxGap {
		if v.checkpoints == 0 {
			return &ChainError{Seq: v.last.Seq, Problem: fmt.Sprintf("%d events and no checkpoint (one is signed at least every %d): checkpoints were removed", v.events, v.MaxGap)}
		}
		return &ChainError{Seq: v.lastSigned.Seq + 1, Problem: fmt.Sprintf("events %d to %d have no checkpoint (at most %d are unsigned): checkpoints were removed",
			v.lastSigned.Seq+1, v.last.Seq, v.MaxGap)}
	}
	return nil
}

// Last returns the last event checked; ok is false before the first.
func (v *Verifier) Last() (e Event, ok bool) { return v.last, v.started }

// Checked returns how many events and checkpoints were checked, and the
// last checkpoint that held (zero Seq: none).
func (v *Verifier) Checked() (events uint64, checkpoints int, last Checkpoint) {
	return v.events, v.checkpoints, v.lastSigned
}

// IsChainError reports whether err says where a chain is broken.
func IsChainError(err error) bool {
	var ce *ChainError
	return errors.As(err, &ce)
}
