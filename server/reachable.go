package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jitgit/jitgit/gitexec"
)

// reachability answers, for one repository, whether objects are reachable
// from the refs upload-pack advertises (every ref and HEAD). It asks git:
// the tips and their peeled tags first (a clone wants only those), then
// rev-list for commits (which stops where the wanted history joins a ref's),
// and, for trees, blobs and tag objects (a partial clone's lazy fetches), a
// walk of every object reachable from the refs that stops once all are
// found.
type reachability struct {
	git *gitexec.Launcher
	dir string
}

// check is a wantChecker.
func (r reachability) check(ctx context.Context, wants []string) error {
	tips, err := r.tips(ctx)
	if err != nil {
		return err
	}
	var rest []string
	seen := map[string]bool{}
	for _, w := range wants {
		if !tips[w] && !seen[w] {
			seen[w] = true
			rest = append(rest, w)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	types, err := r.types(ctx, rest)
	if err != nil {
		return err
	}
	var commits, others []string
	for _, w := range rest {
		switch types[w] {
		case "commit":
			commits = append(commits, w)
		case "tree", "blob", "tag":
			others = append(others, w)
		default:
			return notOurRef(w)
		}
	}
	if err := r.commitsReachable(ctx, commits); err != nil {
		return err
	}
	return r.objectsReachable(ctx, others)
}

func notOurRef(oid string) error {
	return &ProtocolError{Msg: "upload-pack: not our ref " + oid, NotOurRef: true}
}

func (r reachability) cmd(command string, options ...string) gitexec.Cmd {
	return gitexec.Cmd{Command: command, Options: options, Dir: r.dir, Env: []string{"GIT_DIR=" + r.dir}}
}

// tips are the object ids of every ref and HEAD, with what annotated tags
// peel to.
func (r reachability) tips(ctx context.Context) (map[string]bool, error) {
	c := r.cmd("show-ref", "--head", "--dereference")
	var out bytes.Buffer
	c.Stdout = &out
	res, err := r.git.Run(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("check wants: %w", err)
	}
	// show-ref exits 1 when there is no ref at all.
	if res.Exit != 0 && out.Len() > 0 {
		return nil, fmt.Errorf("check wants: git show-ref exit %d: %s", res.Exit, strings.TrimSpace(res.Stderr))
	}
	tips := map[string]bool{}
	for line := range strings.SplitSeq(out.String(), "\n") {
		if oid, _, ok := strings.Cut(line, " "); ok {
			tips[oid] = true
		}
	}
	return tips, nil
}

// types returns the type of each object; a missing object has none.
func (r reachability) types(ctx context.Context, oids []string) (map[string]string, error) {
	c := r.cmd("cat-file", "--batch-check=%(objectname) %(objecttype)")
	c.Stdin = strings.NewReader(strings.Join(oids, "\n") + "\n")
	out, err := r.git.Output(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("check wants: %w", err)
	}
	types := map[string]string{}
	for line := range strings.SplitSeq(string(out), "\n") {
		if oid, typ, ok := strings.Cut(line, " "); ok && typ != "missing" {
			types[oid] = typ
		}
	}
	return types, nil
}

// commitsReachable: rev-list prints the commits reachable from the wants
// and from no ref; one is enough to refuse.
func (r reachability) commitsReachable(ctx context.Context, commits []string) error {
	if len(commits) == 0 {
		return nil
	}
	c := r.cmd("rev-list", "--stdin", "--max-count=1", "--not", "--all")
	c.Stdin = strings.NewReader(strings.Join(commits, "\n") + "\n")
	out, err := r.git.Output(ctx, c)
	if err != nil {
		return fmt.Errorf("check wants: %w", err)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		// rev-list names an unreachable ancestor, which may not be a
		// want: name a want that reaches it.
		for _, w := range commits {
			if w == s {
				return notOurRef(w)
			}
		}
		return notOurRef(commits[0])
	}
	return nil
}

// objectsReachable walks every object reachable from the refs until all of
// oids are seen.
func (r reachability) objectsReachable(ctx context.Context, oids []string) error {
	if len(oids) == 0 {
		return nil
	}
	missing := make(map[string]bool, len(oids))
	for _, o := range oids {
		missing[o] = true
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	c := r.cmd("rev-list", "--objects", "--no-object-names", "--all")
	c.Stdout = pw
	p, err := r.git.Start(ctx, c)
	if err != nil {
		return fmt.Errorf("check wants: %w", err)
	}
	type waited struct {
		res gitexec.Result
		err error
	}
	done := make(chan waited, 1)
	go func() {
		res, err := p.Wait()
		pw.Close() // the scan below ends with git's output
		done <- waited{res, err}
	}()
	sc := bufio.NewScanner(pr)
	for len(missing) > 0 && sc.Scan() {
		delete(missing, sc.Text())
	}
	if len(missing) == 0 {
		cancel() // the rest of the walk is not needed
	}
	pr.CloseWithError(errWalkDone)
	w := <-done
	res, err := w.res, w.err
	if len(missing) == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check wants: %w", err)
	}
	if res.Exit != 0 {
		return fmt.Errorf("check wants: git rev-list exit %d: %s", res.Exit, strings.TrimSpace(res.Stderr))
	}
	for _, o := range oids {
		if missing[o] {
			return notOurRef(o)
		}
	}
	return nil
}

var errWalkDone = errors.New("walk done")
