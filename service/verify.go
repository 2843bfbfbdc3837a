package service

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// AuditHead is the last event a verification checked, and what it
// checked. An auditor who notes Seq and Hash can later prove that nothing
// up to it was rewritten.
type AuditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// From is the first event checked (1 for the whole trail).
	From uint64 `json:"from"`
	// Events and Checkpoints are how many of each were checked;
	// LastCheckpoint is the Seq of the last signed checkpoint that held.
	Events         uint64 `json:"events"`
	Checkpoints    int    `json:"checkpoints"`
	LastCheckpoint uint64 `json:"last_checkpoint"`
}

// VerifyAudit checks the whole audit chain, streaming it in constant
// memory, and its signed checkpoints, and returns the last event it
// checked. A broken chain is an error wrapping ErrConflict that names the
// first bad event (an *audit.ChainError inside). Only administrators and
// auditors may verify; the check itself is audited.
func (s *Service) VerifyAudit(ctx context.Context, actor auth.Identity) (AuditHead, error) {
	if err := requireAuditReader(actor, "verifying the audit trail"); err != nil {
		return AuditHead{}, err
	}
	head, err := s.verifyChain(ctx, false)
	if err != nil {
		rerr := s.record(ctx, actor, audit.Event{Action: "audit.verify", Result: "error", Detail: err.Error()})
		return head, errors.Join(fmt.Errorf("%w: the audit trail is broken: %w", auth.ErrConflict, err), rerr)
	}
	return head, s.record(ctx, actor, audit.Event{Action: "audit.verify",
		Detail: fmt.Sprintf("intact up to %d (%s); %d checkpoints", head.Seq, head.Hash, head.Checkpoints)})
}

// VerifyAuditAtStart checks the chain from its last signed checkpoint (the
// whole chain when there is none) to its end, and returns the last event
// checked; the server runs it before it serves and refuses to start on an
// error, which names the first bad event.
func (s *Service) VerifyAuditAtStart(ctx context.Context) (AuditHead, error) {
	return s.verifyChain(ctx, true)
}

func (s *Service) verifyChain(ctx context.Context, fromLast bool) (AuditHead, error) {
	cfg := s.cfg.Load()
	return VerifyTrailKeys(ctx, s.store, append([]ed25519.PublicKey{cfg.AuditKey}, cfg.AuditKeys...), cfg.AuditCheckpointEvery, fromLast)
}

// VerifyTrail walks the trail of store, from the last checkpoint when
// fromLast is set, checking the checkpoints with key (signed at least every
// `every` events; 0: no bound on their gaps) in step with the events, and
// returns the last event checked. Events appended while it walks are
// walked too (a few passes at most), so that a checkpoint read during the
// walk has its event checked. It writes nothing: `jitgit audit verify
// --offline` runs it on a stopped server's database.
func VerifyTrail(ctx context.Context, store storage.Store, key ed25519.PublicKey, every uint64, fromLast bool) (AuditHead, error) {
	return VerifyTrailKeys(ctx, store, []ed25519.PublicKey{key}, every, fromLast)
}

// VerifyTrailKeys is VerifyTrail accepting the checkpoints of any of keys
// (the nodes of a cluster each sign with their own); nil keys are skipped.
func VerifyTrailKeys(ctx context.Context, store storage.Store, keys []ed25519.PublicKey, every uint64, fromLast bool) (AuditHead, error) {
	v := &audit.Verifier{}
	for _, k := range keys {
		if k != nil {
			v.Keys = append(v.Keys, k)
		}
	}
	if len(v.Keys) > 0 && every > 0 {
		// The writer signs once a batch (at most 256 events) crosses the
		// interval, and a crash leaves at most that many unsigned.
		v.MaxGap = every + 256
	}
	cps := store.Checkpoints()
	var after uint64 // the walk starts after this event
	var nextCheckpoint uint64
	if fromLast {
		last, ok, err := cps.LastCheckpoint(ctx)
		if err != nil {
			return AuditHead{}, err
		}
		if ok && last.Seq > 0 {
			after, nextCheckpoint = last.Seq-1, last.Seq
		}
		// A partial walk cannot judge the gaps before it, and a trail
		// written before checkpoints existed has none yet: the start
		// signs its head once it holds.
		v.MaxGap = 0
	}
	// feed hands the verifier the checkpoints up to seq and notes the
	// event of the next one stored (upcoming), so that the walk looks
	// again only when it gets there, or every lookEvery events for one
	// signed meanwhile: a lookup is a read transaction of its own, and
	// one per event was a sixth of a start's verification.
	var upcoming uint64
	feed := func(upTo uint64) error {
		var ferr error
		upcoming = ^uint64(0)
		err := cps.ScanCheckpoints(ctx, nextCheckpoint, func(c audit.Checkpoint) bool {
			if c.Seq > upTo {
				upcoming = c.Seq
				return false
			}
			nextCheckpoint = c.Seq + 1
			ferr = v.Checkpoint(c)
			return ferr == nil
		})
		return errors.Join(err, ferr)
	}
	var walkErr error
	pass := func() (int, error) {
		n := 0
		err := store.Events().Scan(ctx, after, false, func(e audit.Event) bool {
			if e.Seq >= upcoming || n%lookEvery == 0 {
				if walkErr = feed(e.Seq); walkErr != nil {
					return false
				}
			}
			if walkErr = v.Event(e); walkErr != nil {
				return false
			}
			after = e.Seq
			n++
			return true
		})
		return n, errors.Join(err, walkErr)
	}
	for passes := 0; ; passes++ {
		n, err := pass()
		if err != nil {
			return headOf(v), err
		}
		if n > 0 && passes < 3 {
			continue
		}
		// Every checkpoint left names an event after the last one walked:
		// one more pass finds them if they were appended meanwhile.
		if err := feed(^uint64(0)); err != nil {
			return headOf(v), err
		}
		if n, err = pass(); err != nil {
			return headOf(v), err
		}
		if n == 0 || passes >= 3 {
			break
		}
	}
	return headOf(v), v.Finish()
}

// lookEvery is how often a verification looks for checkpoints signed
// while it walks; less than audit.Behind, so that one signed for an event
// just walked is still checked.
const lookEvery = audit.Behind / 2

func headOf(v *audit.Verifier) AuditHead {
	var h AuditHead
	if last, ok := v.Last(); ok {
		h.Seq, h.Hash = last.Seq, last.Hash
	}
	n, cps, lastCp := v.Checked()
	h.Events, h.Checkpoints, h.LastCheckpoint = n, cps, lastCp.Seq
	if n > 0 {
		h.From = h.Seq - n + 1
	}
	return h
}
