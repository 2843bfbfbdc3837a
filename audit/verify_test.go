package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"
)

// chainOf returns n events chained in the current form.
func chainOf(t *testing.T, n int) []Event {
	t.Helper()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	evs := make([]Event, n)
	prev := ""
	for i := range evs {
		e := Event{Seq: uint64(i + 1), Time: at.Add(time.Duration(i) * time.Minute), Actor: "alice",
			Action: "access.read", Repo: "acme/payments", Result: "allow", Prev: prev, HashVersion: HashCurrent}
		h, err := Hash(e)
		if err != nil {
			t.Fatal(err)
		}
		e.Hash, prev = h, h
		evs[i] = e
	}
	return evs
}

// rehash recomputes the links from event i on, as whoever can write the
// store can.
func rehash(t *testing.T, evs []Event, i int) {
	t.Helper()
	for ; i < len(evs); i++ {
		if i > 0 {
			evs[i].Prev = evs[i-1].Hash
		}
		h, err := Hash(evs[i])
		if err != nil {
			t.Fatal(err)
		}
		evs[i].Hash = h
	}
}

func newSigner(t *testing.T) *Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return NewSigner(k)
}

// walk verifies evs with a checkpoint after every event whose seq is in
// signed, and returns the error and the last event checked.
func walk(v *Verifier, evs []Event, cps map[uint64]Checkpoint) (uint64, error) {
	for _, e := range evs {
		if err := v.Event(e); err != nil {
			last, _ := v.Last()
			return last.Seq, err
		}
		if c, ok := cps[e.Seq]; ok {
			if err := v.Checkpoint(c); err != nil {
				return e.Seq, err
			}
		}
	}
	last, _ := v.Last()
	return last.Seq, v.Finish()
}

func chainErrAt(t *testing.T, err error, seq uint64) {
	t.Helper()
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Seq != seq {
		t.Fatalf("error %v, want a chain error at event %d", err, seq)
	}
}

func TestVerifierFindsEditsRewritesAndRemovals(t *testing.T) {
	s := newSigner(t)
	sign := func(evs []Event, seqs ...uint64) map[uint64]Checkpoint {
		m := map[uint64]Checkpoint{}
		for _, q := range seqs {
			m[q] = s.Sign(q, evs[q-1].Hash, evs[q-1].Time)
		}
		return m
	}
	good := chainOf(t, 50)
	cps := sign(good, 10, 20, 30, 40, 50)

	t.Run("intact", func(t *testing.T) {
		v := &Verifier{Key: s.Public(), MaxGap: 10}
		last, err := walk(v, good, cps)
		if err != nil || last != 50 {
			t.Fatalf("intact chain: last %d, %v", last, err)
		}
		if n, c, lc := v.Checked(); n != 50 || c != 5 || lc.Seq != 50 {
			t.Fatalf("checked %d events, %d checkpoints, last %d", n, c, lc.Seq)
		}
	})
	t.Run("edited", func(t *testing.T) {
		evs := append([]Event(nil), good...)
		evs[16].Detail = "nothing to see"
		_, err := walk(&Verifier{Key: s.Public()}, evs, cps)
		chainErrAt(t, err, 17)
	})
	t.Run("rewritten and rehashed", func(t *testing.T) {
		evs := append([]Event(nil), good...)
		evs[16].Actor = "mallory"
		rehash(t, evs, 16)
		last, err := walk(&Verifier{Key: s.Public()}, evs, cps)
		chainErrAt(t, err, 20) // the first checkpoint after the edit
		if last != 20 {
			t.Fatalf("last event checked %d, want 20", last)
		}
	})
	t.Run("rewritten and signed by another key", func(t *testing.T) {
		evs := append([]Event(nil), good...)
		evs[16].Actor = "mallory"
		rehash(t, evs, 16)
		forged := newSigner(t)
		fake := map[uint64]Checkpoint{}
		for q := range cps {
			fake[q] = forged.Sign(q, evs[q-1].Hash, evs[q-1].Time)
		}
		_, err := walk(&Verifier{Key: s.Public()}, evs, fake)
		chainErrAt(t, err, 10)
	})
	t.Run("checkpoints removed", func(t *testing.T) {
		evs := append([]Event(nil), good...)
		evs[16].Actor = "mallory"
		rehash(t, evs, 16)
		_, err := walk(&Verifier{Key: s.Public(), MaxGap: 10}, evs, sign(good, 10))
		chainErrAt(t, err, 11)
	})
	t.Run("tail removed", func(t *testing.T) {
		v := &Verifier{Key: s.Public()}
		for _, e := range good[:45] {
			if err := v.Event(e); err != nil {
				t.Fatal(err)
			}
		}
		if err := v.Checkpoint(cps[50]); err != nil {
			t.Fatal(err)
		}
		chainErrAt(t, v.Finish(), 46)
	})
	t.Run("window from a checkpoint", func(t *testing.T) {
		v := &Verifier{Key: s.Public()}
		if err := v.Checkpoint(cps[30]); err != nil {
			t.Fatal(err)
		}
		last, err := walk(v, good[29:], cps)
		if err != nil || last != 50 {
			t.Fatalf("from 30: last %d, %v", last, err)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		c := cps[10]
		c.Hash = good[11].Hash
		err := (&Verifier{Key: s.Public()}).Checkpoint(c)
		if err == nil {
			t.Fatal("a checkpoint with an altered hash verified")
		}
	})
}

// TestCheckpointMessageGolden fixes the signed bytes of one checkpoint, as
// docs/audit.md describes them.
func TestCheckpointMessageGolden(t *testing.T) {
	c := Checkpoint{Seq: 258, Hash: "ab", Time: time.Unix(1767225600, 5).UTC(), Key: "k"}
	got := fmt.Sprintf("%x", CheckpointMessage(c))
	want := fmt.Sprintf("%x", "jitgit audit checkpoint\x00") + "01" + "0000000000000102" + "02" + fmt.Sprintf("%x", "ab") +
		"000000006955b900" + "00000005" + "01" + fmt.Sprintf("%x", "k")
	if got != want {
		t.Fatalf("checkpoint message\n got %s\nwant %s", got, want)
	}
}
