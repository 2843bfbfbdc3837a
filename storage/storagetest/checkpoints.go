package storagetest

import (
	"bytes"
	"testing"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/storage"
)

// testCheckpoints: checkpoints come back exactly as stored (the instant in
// UTC, the signature's bytes), one per Seq, lowest first from any Seq, and
// the last one is the one of the highest Seq.
func testCheckpoints(t *testing.T, s storage.Store) {
	cs := s.Checkpoints()
	if _, ok, err := cs.LastCheckpoint(ctx); err != nil || ok {
		t.Fatalf("LastCheckpoint of an empty store: ok %t, %v", ok, err)
	}
	mk := func(seq uint64, hash string) audit.Checkpoint {
		return audit.Checkpoint{Seq: seq, Hash: hash, Time: base.Add(123456789), Key: "k1",
			Signature: bytes.Repeat([]byte{byte(seq), 0}, 32)}
	}
	for _, c := range []audit.Checkpoint{mk(300, "c"), mk(20, "a"), mk(256, "b"), mk(256, "b2")} {
		if err := cs.PutCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	last, ok, err := cs.LastCheckpoint(ctx)
	if err != nil || !ok || last.Seq != 300 || last.Hash != "c" || !last.Time.Equal(base.Add(123456789)) ||
		last.Time.Location().String() != "UTC" || !bytes.Equal(last.Signature, mk(300, "").Signature) || last.Key != "k1" {
		t.Fatalf("LastCheckpoint = %+v, %t, %v", last, ok, err)
	}
	var seqs []uint64
	var hashes []string
	if err := cs.ScanCheckpoints(ctx, 21, func(c audit.Checkpoint) bool {
		seqs, hashes = append(seqs, c.Seq), append(hashes, c.Hash)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[0] != 256 || seqs[1] != 300 || hashes[0] != "b2" {
		t.Fatalf("ScanCheckpoints from 21: %v %v", seqs, hashes)
	}
	n := 0
	if err := cs.ScanCheckpoints(ctx, 0, func(audit.Checkpoint) bool { n++; return false }); err != nil || n != 1 {
		t.Fatalf("ScanCheckpoints stopping at once: %d, %v", n, err)
	}
}
