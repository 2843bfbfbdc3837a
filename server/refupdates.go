package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
)

// quarantine is where receive-pack keeps the objects of a push until its
// pre-receive hook accepts it, as the hook's environment names it.
type quarantine struct {
	Path string `json:"path,omitempty"` // GIT_QUARANTINE_PATH
}

// parseUpdates parses the "old new ref" lines of a pre-receive hook into ref
// updates whose kind is create, delete or, until fastForwards has looked,
// update. A line that is not one is an error naming it.
func parseUpdates(lines []string) ([]auth.RefUpdate, error) {
	out := make([]auth.RefUpdate, 0, len(lines))
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || !objectID(f[0]) || !objectID(f[1]) || len(f[0]) != len(f[1]) {
			return nil, fmt.Errorf("ref update %q is not \"old new ref\"", auth.Printable(l))
		}
		if err := auth.ValidateRefName(f[2]); err != nil {
			return nil, err
		}
		u := auth.RefUpdate{Name: f[2], Old: f[0], New: f[1], Kind: auth.ChangeUpdate}
		switch {
		case zeroID(u.Old) && zeroID(u.New):
			return nil, fmt.Errorf("ref update %q creates and deletes nothing", auth.Printable(l))
		case zeroID(u.Old):
			u.Kind = auth.ChangeCreate
		case zeroID(u.New):
			u.Kind = auth.ChangeDelete
		}
		out = append(out, u)
	}
	return out, nil
}

// objectID reports whether s is a SHA-1 or SHA-256 object id in lower-case hex.
func objectID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}

func zeroID(s string) bool { return strings.Trim(s, "0") == "" }

// ffWorkers bounds the git processes one push's fast-forward checks run at once.
const ffWorkers = 4

// fastForwards asks git, for each update of an existing ref, whether the
// new commit descends from the old one (`git merge-base --is-ancestor`),
// and marks the others as forced. It runs in the repository at dir with
// the push's quarantine as the object directory, so the objects the push
// brings are visible before anything is applied. The quarantine must be
// receive-pack's own directory inside dir/objects.
func fastForwards(ctx context.Context, git *gitexec.Launcher, dir string, q quarantine, updates []auth.RefUpdate) error {
	var env []string
	need := false
	for _, u := range updates {
		need = need || u.Kind == auth.ChangeUpdate
	}
	if !need {
		return nil
	}
	if git == nil {
		return fmt.Errorf("no git launcher for the fast-forward check")
	}
	objects := filepath.Join(dir, "objects")
	env = []string{"GIT_DIR=" + dir}
	if q.Path != "" {
		p := filepath.Clean(q.Path)
		if !filepath.IsAbs(p) || filepath.Dir(p) != objects || !strings.HasPrefix(filepath.Base(p), "tmp_objdir-incoming-") {
			return fmt.Errorf("quarantine %q is not this repository's", auth.Printable(q.Path))
		}
		env = append(env, "GIT_QUARANTINE_PATH="+p, "GIT_OBJECT_DIRECTORY="+p, "GIT_ALTERNATE_OBJECT_DIRECTORIES="+objects)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range ffWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				u := &updates[i]
				res, err := git.Run(ctx, gitexec.Cmd{Command: "merge-base", Options: []string{"--is-ancestor"},
					Operands: []string{u.Old, u.New}, Dir: dir, Env: env})
				switch {
				case err == nil && res.Exit == 0:
				case err == nil && res.Exit == 1:
					u.Kind = auth.ChangeForce
				default:
					if err == nil {
						err = fmt.Errorf("git merge-base: exit %d: %s", res.Exit, strings.TrimSpace(res.Stderr))
					}
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("fast-forward check of %s: %w", u.Name, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i, u := range updates {
		if u.Kind == auth.ChangeUpdate {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	return first
}
