package web

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// BenchmarkCodeView serves tree and file views of the 24 MB generated
// repository (fixtures/genrepo) through the whole page stack, decision and
// audit record included, and reports the 99th percentile of one view.
func BenchmarkCodeView(b *testing.B) {
	s := newStack(b, Options{})
	s.user("alice", false, false)
	s.repo("acme/big")
	bare := filepath.Join(s.h.opts.RepoRoot, "acme", "big.git")
	if err := os.RemoveAll(bare); err != nil {
		b.Fatal(err)
	}
	gen := exec.Command("go", "run", "./fixtures/genrepo", "-out", bare, "-size", "24MB")
	gen.Dir = ".."
	if out, err := gen.CombinedOutput(); err != nil {
		b.Fatalf("genrepo: %v\n%s", err, out)
	}
	if _, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: "user:alice", Repo: "acme/big", Level: auth.LevelRead, Duration: 24 * time.Hour, Reason: "bench"}); err != nil {
		b.Fatal(err)
	}
	alice := s.client()
	alice.signIn("alice")
	for name, path := range map[string]string{
		"root":    "/repos/acme/big/tree",
		"dir":     "/repos/acme/big/tree?path=dir07",
		"file":    "/repos/acme/big/blob?path=dir07/file00007.bin",
		"commits": "/repos/acme/big/commits",
	} {
		b.Run(name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				res, _ := alice.get(path)
				took = append(took, time.Since(start))
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", path, res.StatusCode)
				}
			}
			slices.Sort(took)
			p99 := took[min(len(took)-1, len(took)*99/100)]
			b.ReportMetric(float64(p99)/float64(time.Millisecond), "p99-ms")
		})
	}
}
