package audit

import (
	"crypto/ed25519"
	"strings"
	"testing"
)

// TestCheckpointsOfSeveralNodesVerifyWithTheirKeysListed: on a cluster each
// node signs with its own key; a checkpoint verifies with its node's key
// among those listed, and not with a list that lacks it.
func TestCheckpointsOfSeveralNodesVerifyWithTheirKeysListed(t *testing.T) {
	evs := chainOf(t, 6)
	a, b, stranger := newSigner(t), newSigner(t), newSigner(t)
	cps := map[uint64]Checkpoint{
		2: a.Sign(2, evs[1].Hash, evs[1].Time),
		4: b.Sign(4, evs[3].Hash, evs[3].Time),
		6: a.Sign(6, evs[5].Hash, evs[5].Time),
	}
	if _, err := walk(&Verifier{Keys: []ed25519.PublicKey{a.Public(), b.Public()}}, evs, cps); err != nil {
		t.Fatalf("both nodes' keys listed: %v", err)
	}
	// The old form, one Key, with the other in Keys, verifies too.
	if _, err := walk(&Verifier{Key: b.Public(), Keys: []ed25519.PublicKey{a.Public()}}, evs, cps); err != nil {
		t.Fatalf("Key and Keys: %v", err)
	}
	// Node B's key not listed: its checkpoint is refused.
	_, err := walk(&Verifier{Keys: []ed25519.PublicKey{a.Public(), stranger.Public()}}, evs, cps)
	chainErrAt(t, err, 4)
	if !strings.Contains(err.Error(), "none of the 2 keys listed") {
		t.Fatalf("error %q does not say the key is not listed", err)
	}
	// A checkpoint naming a listed key but signed by another is refused.
	forged := stranger.Sign(2, evs[1].Hash, evs[1].Time)
	forged.Key = KeyID(a.Public())
	_, err = walk(&Verifier{Keys: []ed25519.PublicKey{a.Public(), b.Public()}}, evs, map[uint64]Checkpoint{2: forged})
	chainErrAt(t, err, 2)
	// One key only, as before clusters: the old message names the key.
	_, err = walk(&Verifier{Key: a.Public()}, evs, cps)
	chainErrAt(t, err, 4)
	if !strings.Contains(err.Error(), "not by the key given") {
		t.Fatalf("single-key error changed: %q", err)
	}
}
