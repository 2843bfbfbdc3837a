package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jitgit/jitgit/gitexec"
	"github.com/jitgit/jitgit/service"
)

var _ service.RepoPurger = (*Repos)(nil)

// Purge expires every reflog entry of repository name (canonical) and
// prunes every object no ref reaches, now: what a force-push or a deletion
// left behind is then gone from the disk. A push that runs at the same
// moment may lose objects it had just written and fail; it can be retried.
func (r *Repos) Purge(ctx context.Context, name string) (service.PurgeResult, error) {
	if r.Launcher == nil {
		return service.PurgeResult{}, fmt.Errorf("purge %s: no git launcher configured", name)
	}
	dir, err := r.Path(name)
	if err != nil || !r.Exists(name) {
		return service.PurgeResult{}, fmt.Errorf("purge %s: repository not found on disk", name)
	}
	git := func(command string, options ...string) ([]byte, error) {
		return r.Launcher.Output(ctx, gitexec.Cmd{Command: command, Options: options, Dir: dir, Env: []string{"GIT_DIR=" + dir},
			// gc expires the reflogs itself (git reflog expire --all)
			// with these, and prunes with the last; -c wins over
			// whatever the repository's own config keeps back.
			Config: []string{"gc.reflogExpire=now", "gc.reflogExpireUnreachable=now", "gc.pruneExpire=now", "gc.auto=0"}})
	}
	before, err := countObjects(git)
	if err != nil {
		return service.PurgeResult{}, err
	}
	if _, err := git("gc", "--quiet", "--prune=now"); err != nil {
		return service.PurgeResult{}, fmt.Errorf("purge %s: %w", name, err)
	}
	after, err := countObjects(git)
	if err != nil {
		return service.PurgeResult{}, err
	}
	return service.PurgeResult{ObjectsBefore: before, ObjectsAfter: after}, nil
}

// countObjects adds up git count-objects' loose and packed objects.
func countObjects(git func(string, ...string) ([]byte, error)) (int64, error) {
	out, err := git("count-objects", "-v")
	if err != nil {
		return 0, fmt.Errorf("count objects: %w", err)
	}
	var n int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ": ")
		if ok && (k == "count" || k == "in-pack") {
			i, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("count objects: %q: %w", sc.Text(), err)
			}
			n += i
		}
	}
	return n, nil
}

// rewrote reports whether some ref tip of before is no longer reachable
// from any ref: a push force-updated or deleted it.
func (r *Runner) rewrote(ctx context.Context, dir string, before map[string]bool) bool {
	if len(before) == 0 {
		return false
	}
	var tips []string
	for t := range before {
		tips = append(tips, t)
	}
	c := gitexec.Cmd{Command: "rev-list", Options: []string{"--stdin", "--max-count=1", "--not", "--all"}, Dir: dir,
		Env: []string{"GIT_DIR=" + dir}, Stdin: strings.NewReader(strings.Join(tips, "\n") + "\n")}
	out, err := r.git.Output(ctx, c)
	if err != nil {
		r.log.Warn("git push: cannot tell whether it rewrote history", "dir", dir, "err", err)
		return false
	}
	return len(bytes.TrimSpace(out)) > 0
}
