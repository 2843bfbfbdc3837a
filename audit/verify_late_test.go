package audit

import "testing"

// TestVerifierTakesLateCheckpoints: a checkpoint given up to Behind
// events after its own is checked against that event's hash; a forged
// one is still caught, and one given later than that is refused.
func TestVerifierTakesLateCheckpoints(t *testing.T) {
	s := newSigner(t)
	evs := chainOf(t, Behind+20)
	run := func(cp Checkpoint, at int) error {
		v := &Verifier{Key: s.Public()}
		for i, e := range evs {
			if err := v.Event(e); err != nil {
				return err
			}
			if i+1 == at {
				if err := v.Checkpoint(cp); err != nil {
					return err
				}
			}
		}
		return v.Finish()
	}
	good := s.Sign(10, evs[9].Hash, evs[9].Time)
	if err := run(good, 10+Behind-1); err != nil {
		t.Errorf("checkpoint of event 10 given %d events late: %v", Behind-1, err)
	}
	if _, _, last := func() (uint64, int, Checkpoint) {
		v := &Verifier{Key: s.Public()}
		for _, e := range evs[:50] {
			_ = v.Event(e)
		}
		_ = v.Checkpoint(good)
		return v.Checked()
	}(); last.Seq != 10 {
		t.Errorf("late checkpoint not counted: last signed %d", last.Seq)
	}
	forged := s.Sign(10, evs[10].Hash, evs[9].Time)
	chainErrAt(t, run(forged, 20), 10)
	chainErrAt(t, run(good, 10+Behind+1), 10)
}
