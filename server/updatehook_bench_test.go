package server

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/auth"
)

// BenchmarkUpdateHook pushes 1,000 new refs into a fresh bare repository
// with real git: into an empty hooks directory (the baseline), into a push's
// own hooks directory as Pushes.Begin makes it with nothing refused (the
// common case), and into one in which the re-check refused one ref, so that
// the update hook runs for every ref. The differences from the baseline are
// what a push pays for the per-ref refusal.
func BenchmarkUpdateHook(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	const refs = 1000
	work := b.TempDir()
	git := func(dir string, mayFail bool, args ...string) {
		b.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = []string{"HOME=" + work, "GIT_CONFIG_NOSYSTEM=1", "PATH=" + os.Getenv("PATH")}
		if out, err := cmd.CombinedOutput(); err != nil && !mayFail {
			b.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	src := filepath.Join(work, "src")
	git(work, false, "init", "-q", src)
	git(src, false, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "--allow-empty", "-m", "one")
	var refsIn strings.Builder
	for i := range refs {
		fmt.Fprintf(&refsIn, "create refs/heads/b%04d HEAD\n", i)
	}
	cmd := exec.Command("git", "update-ref", "--stdin")
	cmd.Dir, cmd.Stdin = src, strings.NewReader(refsIn.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("update-ref: %v\n%s", err, out)
	}

	// The pre-receive hook does nothing here: it runs once a push in every
	// case but the baseline and is not what is measured.
	shared := filepath.Join(work, "hooks")
	if err := InstallHooks(shared, []string{"/bin/true"}); err != nil {
		b.Fatal(err)
	}
	pushes := NewPushes("/nonexistent/hook.sock")
	if err := pushes.HooksIn(filepath.Join(work, "pushes"), shared); err != nil {
		b.Fatal(err)
	}
	empty := filepath.Join(work, "nohooks")
	if err := os.Mkdir(empty, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		refused []refusal // nil: nothing refused
		// base pushes into an empty hooks directory, not a push's own.
		base bool
	}{
		{name: "hook=none", base: true},
		{name: "refused=none"},
		{name: "refused=one", refused: []refusal{{ref: "refs/heads/b0500", message: "b0500 is protected\n"}}},
	} {
		b.Run(fmt.Sprintf("refs=%d/%s", refs, bc.name), func(b *testing.B) {
			n := 0
			for b.Loop() {
				b.StopTimer()
				n++
				dst := filepath.Join(work, fmt.Sprintf("dst-%s-%d.git", bc.name, n))
				git(work, false, "init", "-q", "--bare", dst)
				hooks, end := empty, func() {}
				if !bc.base {
					var err error
					if _, hooks, end, err = pushes.Begin(auth.Identity{}, "acme/x"); err != nil {
						b.Fatal(err)
					}
					// As the re-check does, before git looks for the update hook.
					if bc.refused != nil {
						if err := refuseInPart(hooks, bc.refused); err != nil {
							b.Fatal(err)
						}
					}
				}
				git(dst, false, "config", "core.hooksPath", hooks)
				b.StartTimer()
				git(src, bc.refused != nil, "push", "-q", dst, "refs/heads/*:refs/heads/*")
				b.StopTimer()
				end()
				os.RemoveAll(dst)
				b.StartTimer()
			}
		})
	}
}
