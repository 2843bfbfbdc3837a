package server

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkUpdateHook pushes 1,000 new refs into a fresh bare repository
// with real git, with no update hook and with the one InstallHooks writes
// and nothing refused (no refusal file: the common case), so the
// difference is what the per-ref hook costs a push.
func BenchmarkUpdateHook(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	const refs = 1000
	work := b.TempDir()
	git := func(dir string, env []string, args ...string) {
		b.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append([]string{"HOME=" + work, "GIT_CONFIG_NOSYSTEM=1", "PATH=" + os.Getenv("PATH")}, env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	src := filepath.Join(work, "src")
	git(work, nil, "init", "-q", src)
	git(src, nil, "-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "--allow-empty", "-m", "one")
	var refsIn strings.Builder
	for i := range refs {
		fmt.Fprintf(&refsIn, "create refs/heads/b%04d HEAD\n", i)
	}
	cmd := exec.Command("git", "update-ref", "--stdin")
	cmd.Dir, cmd.Stdin = src, strings.NewReader(refsIn.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("update-ref: %v\n%s", err, out)
	}

	withHook := filepath.Join(work, "hooks")
	if err := InstallHooks(withHook, []string{"/bin/true"}); err != nil {
		b.Fatal(err)
	}
	// Only the update hook differs between the two: pre-receive runs once
	// a push either way and is not what is measured here.
	if err := os.Remove(filepath.Join(withHook, "pre-receive")); err != nil {
		b.Fatal(err)
	}
	noHook := filepath.Join(work, "nohooks")
	if err := os.Mkdir(noHook, 0o755); err != nil {
		b.Fatal(err)
	}
	env := []string{EnvRefused + "=" + filepath.Join(work, "pushes", "absent")}
	for _, bc := range []struct{ name, hooks string }{{"hook=none", noHook}, {"hook=update", withHook}} {
		b.Run(fmt.Sprintf("refs=%d/%s", refs, bc.name), func(b *testing.B) {
			n := 0
			for b.Loop() {
				b.StopTimer()
				n++
				dst := filepath.Join(work, fmt.Sprintf("dst-%s-%d.git", bc.name, n))
				git(work, nil, "init", "-q", "--bare", dst)
				git(dst, nil, "config", "core.hooksPath", bc.hooks)
				b.StartTimer()
				git(src, env, "push", "-q", dst, "refs/heads/*:refs/heads/*")
				b.StopTimer()
				os.RemoveAll(dst)
				b.StartTimer()
			}
		})
	}
}
