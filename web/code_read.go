package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/jitgit/jitgit/auth"
)

// The bounds of one code-browser view: whatever the repository holds, a
// view reads at most this much, so a huge repository cannot stall the
// server.
const (
	maxTreeEntries = 1000      // entries listed of one directory
	maxFileShown   = 512 << 10 // bytes of a file shown as text
	maxLogPage     = 30        // commits on one page of a log
	maxDiffFiles   = 300       // changed files listed in one commit
	maxDiffBlob    = 256 << 10 // a file larger than this on either side gets no line diff
	maxDiffBytes   = 1 << 20   // text of all line diffs of one commit
	maxRefsShown   = 500       // branches, and tags, listed
	viewTimeout    = 5 * time.Second
)

// errCodeNotFound is every "not there" of the code browser: a missing
// repository, ref, path or commit, and a repository the viewer may not read.
var errCodeNotFound = fmt.Errorf("code: %w", auth.ErrNotFound)

// codeRepo is one repository opened for reading.
type codeRepo struct {
	name string
	git  *git.Repository
}

// openCode opens the bare repository of canonical name under root.
func openCode(root, name string) (*codeRepo, error) {
	if root == "" {
		return nil, errCodeNotFound
	}
	dir := filepath.Join(root, filepath.FromSlash(name)+".git")
	if rel, err := filepath.Rel(root, dir); err != nil || strings.HasPrefix(rel, "..") {
		return nil, errCodeNotFound
	}
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{})
	if err != nil {
		return nil, errCodeNotFound
	}
	return &codeRepo{name: name, git: r}, nil
}

// revision is a resolved ref: what the viewer named and the commit.
type revision struct {
	Name   string // as the viewer named it: a branch, a tag or a commit id
	Commit *object.Commit
}

// resolve finds the commit a ref names: a branch, a tag (annotated tags
// peeled) or a full commit id; "" is the default branch. No revision
// syntax ("main~1000") is read, so resolving costs one lookup.
func (c *codeRepo) resolve(ref string) (revision, error) {
	var h plumbing.Hash
	switch {
	case ref == "":
		head, err := c.git.Head()
		if err != nil {
			return revision{}, errCodeNotFound
		}
		h, ref = head.Hash(), head.Name().Short()
	case len(ref) == 40 && plumbing.IsHash(ref):
		h = plumbing.NewHash(ref)
	default:
		found := false
		for _, full := range []plumbing.ReferenceName{plumbing.NewBranchReferenceName(ref), plumbing.NewTagReferenceName(ref)} {
			if r, err := c.git.Reference(full, true); err == nil {
				h, found = r.Hash(), true
				break
			}
		}
		if !found {
			return revision{}, errCodeNotFound
		}
	}
	if tag, err := c.git.TagObject(h); err == nil {
		cm, err := tag.Commit()
		if err != nil {
			return revision{}, errCodeNotFound
		}
		return revision{Name: ref, Commit: cm}, nil
	}
	cm, err := c.git.CommitObject(h)
	if err != nil {
		return revision{}, errCodeNotFound
	}
	return revision{Name: ref, Commit: cm}, nil
}

// cleanPath makes a path inside the tree: no leading or trailing slash, no
// empty, "." or ".." parts; "" is the root.
func cleanPath(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return "", errCodeNotFound
		}
	}
	return p, nil
}

// treeEntry is one entry of a directory listing.
type treeEntry struct {
	Name, Path string
	Dir        bool
	Submodule  bool
	Link       bool
}

// treeView is one directory of a commit.
type treeView struct {
	Entries []treeEntry
	More    int // entries not listed
}

func (c *codeRepo) tree(rev revision, dir string) (treeView, error) {
	t, err := rev.Commit.Tree()
	if err != nil {
		return treeView{}, fmt.Errorf("tree of %s: %w", rev.Commit.Hash, err)
	}
	if dir != "" {
		if t, err = t.Tree(dir); err != nil {
			return treeView{}, errCodeNotFound
		}
	}
	var v treeView
	for _, e := range t.Entries {
		if len(v.Entries) == maxTreeEntries {
			v.More++
			continue
		}
		v.Entries = append(v.Entries, treeEntry{Name: e.Name, Path: path.Join(dir, e.Name), Dir: e.Mode == filemode.Dir,
			Submodule: e.Mode == filemode.Submodule, Link: e.Mode == filemode.Symlink})
	}
	// Directories first, like most code browsers.
	slices.SortStableFunc(v.Entries, func(a, b treeEntry) int {
		switch {
		case a.Dir == b.Dir:
			return 0
		case a.Dir:
			return -1
		}
		return 1
	})
	return v, nil
}

// fileView is one file of a commit, as text when it is text and small.
type fileView struct {
	Size      int64
	Binary    bool
	TooLarge  bool
	Text      string
	Lines     int
	Truncated bool
}

func (c *codeRepo) file(rev revision, p string) (fileView, error) {
	if p == "" {
		return fileView{}, errCodeNotFound
	}
	t, err := rev.Commit.Tree()
	if err != nil {
		return fileView{}, fmt.Errorf("tree of %s: %w", rev.Commit.Hash, err)
	}
	f, err := t.File(p)
	if err != nil {
		return fileView{}, errCodeNotFound
	}
	v := fileView{Size: f.Size}
	if f.Size > 8*maxFileShown {
		// Too large even to look at: no object is read beyond its header.
		v.TooLarge = true
		return v, nil
	}
	rd, err := f.Reader()
	if err != nil {
		return fileView{}, fmt.Errorf("read %s: %w", p, err)
	}
	defer rd.Close()
	buf, err := io.ReadAll(io.LimitReader(rd, maxFileShown+1))
	if err != nil {
		return fileView{}, fmt.Errorf("read %s: %w", p, err)
	}
	if slices.Contains(buf[:min(len(buf), 8000)], 0) {
		v.Binary = true
		return v, nil
	}
	if len(buf) > maxFileShown {
		buf, v.Truncated = buf[:maxFileShown], true
	}
	v.Text = string(buf)
	v.Lines = strings.Count(v.Text, "\n")
	return v, nil
}

// logEntry is one commit of a log page.
type logEntry struct {
	Hash, Short, Subject, Author string
	When                         time.Time
}

func entryOf(c *object.Commit) logEntry {
	subject, _, _ := strings.Cut(c.Message, "\n")
	return logEntry{Hash: c.Hash.String(), Short: c.Hash.String()[:10], Subject: subject, Author: c.Author.Name, When: c.Author.When}
}

// log returns a page of the history from the commit start (a commit id, or
// the ref's commit when empty), newest first in the walk's order, and the
// commit the next page starts at ("" at the end).
func (c *codeRepo) log(ctx context.Context, rev revision, start string) ([]logEntry, string, error) {
	from := rev.Commit.Hash
	if start != "" {
		if len(start) != 40 || !plumbing.IsHash(start) {
			return nil, "", errCodeNotFound
		}
		from = plumbing.NewHash(start)
	}
	it, err := c.git.Log(&git.LogOptions{From: from, Order: git.LogOrderCommitterTime})
	if err != nil {
		return nil, "", errCodeNotFound
	}
	defer it.Close()
	var out []logEntry
	next := ""
	err = it.ForEach(func(cm *object.Commit) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(out) == maxLogPage {
			next = cm.Hash.String()
			return storer.ErrStop
		}
		out = append(out, entryOf(cm))
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("log of %s: %w", c.name, err)
	}
	return out, next, nil
}

// diffLine is one line of a unified diff with its kind: "add", "del",
// "hunk", "meta" or "" for context.
type diffLine struct {
	Kind, Text string
}

// fileDiff is one changed file of a commit.
type fileDiff struct {
	From, To string // paths; "" when the file was added or deleted
	Action   string // added, deleted, modified
	Binary   bool
	TooLarge bool // no line diff: a side is too large, or the commit's diff budget is spent
	Lines    []diffLine
}

// commitView is one commit with its changes against its first parent.
type commitView struct {
	logEntry
	Message   string
	Committer string
	Parents   []string
	Files     []fileDiff
	MoreFiles int
}

func (c *codeRepo) commit(ctx context.Context, id string) (commitView, error) {
	if len(id) != 40 || !plumbing.IsHash(id) {
		return commitView{}, errCodeNotFound
	}
	cm, err := c.git.CommitObject(plumbing.NewHash(id))
	if err != nil {
		return commitView{}, errCodeNotFound
	}
	v := commitView{logEntry: entryOf(cm), Message: cm.Message, Committer: cm.Committer.Name}
	for _, p := range cm.ParentHashes {
		v.Parents = append(v.Parents, p.String())
	}
	to, err := cm.Tree()
	if err != nil {
		return commitView{}, fmt.Errorf("tree of %s: %w", id, err)
	}
	var from *object.Tree
	if cm.NumParents() > 0 {
		p, err := cm.Parent(0)
		if err != nil {
			return commitView{}, fmt.Errorf("parent of %s: %w", id, err)
		}
		if from, err = p.Tree(); err != nil {
			return commitView{}, fmt.Errorf("tree of %s: %w", p.Hash, err)
		}
	}
	changes, err := object.DiffTreeWithOptions(ctx, from, to, &object.DiffTreeOptions{})
	if err != nil {
		return commitView{}, fmt.Errorf("diff of %s: %w", id, err)
	}
	budget := maxDiffBytes
	for _, ch := range changes {
		if len(v.Files) == maxDiffFiles {
			v.MoreFiles++
			continue
		}
		fd := fileDiff{From: ch.From.Name, To: ch.To.Name, Action: "modified"}
		switch {
		case ch.From.Name == "":
			fd.Action = "added"
		case ch.To.Name == "":
			fd.Action = "deleted"
		}
		a, b, err := ch.Files()
		if err != nil {
			return commitView{}, fmt.Errorf("diff of %s: %w", id, err)
		}
		if (a != nil && a.Size > maxDiffBlob) || (b != nil && b.Size > maxDiffBlob) || budget <= 0 {
			fd.TooLarge = true
			v.Files = append(v.Files, fd)
			continue
		}
		p, err := ch.PatchContext(ctx)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, object.ErrCanceled) {
				fd.TooLarge = true
				v.Files = append(v.Files, fd)
				continue
			}
			return commitView{}, fmt.Errorf("diff of %s: %w", id, err)
		}
		for _, fp := range p.FilePatches() {
			fd.Binary = fd.Binary || fp.IsBinary()
		}
		if !fd.Binary {
			text := p.String()
			budget -= len(text)
			if budget < 0 {
				fd.TooLarge = true
			} else {
				fd.Lines = diffLines(text)
			}
		}
		v.Files = append(v.Files, fd)
	}
	return v, nil
}

// diffLines splits a unified diff into classified lines, without the
// per-file header the page shows itself.
func diffLines(text string) []diffLine {
	var out []diffLine
	body := false
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "@@"):
			body = true
			out = append(out, diffLine{Kind: "hunk", Text: l})
		case !body:
			// diff --git, index, ---, +++ lines
		case strings.HasPrefix(l, "+"):
			out = append(out, diffLine{Kind: "add", Text: l})
		case strings.HasPrefix(l, "-"):
			out = append(out, diffLine{Kind: "del", Text: l})
		case strings.HasPrefix(l, `\`):
			out = append(out, diffLine{Kind: "meta", Text: l})
		default:
			out = append(out, diffLine{Text: l})
		}
	}
	return out
}

// refsView lists branches and tags.
type refsView struct {
	Default              string
	Branches, Tags       []string
	MoreBranch, MoreTags bool // there are more than maxRefsShown
}

func (c *codeRepo) refs() (refsView, error) {
	var v refsView
	if head, err := c.git.Head(); err == nil {
		v.Default = head.Name().Short()
	}
	collect := func(it storer.ReferenceIter, names *[]string, more *bool) error {
		defer it.Close()
		return it.ForEach(func(r *plumbing.Reference) error {
			if len(*names) == maxRefsShown {
				*more = true
				return storer.ErrStop
			}
			*names = append(*names, r.Name().Short())
			return nil
		})
	}
	bs, err := c.git.Branches()
	if err != nil {
		return refsView{}, fmt.Errorf("branches of %s: %w", c.name, err)
	}
	if err := collect(bs, &v.Branches, &v.MoreBranch); err != nil {
		return refsView{}, fmt.Errorf("branches of %s: %w", c.name, err)
	}
	ts, err := c.git.Tags()
	if err != nil {
		return refsView{}, fmt.Errorf("tags of %s: %w", c.name, err)
	}
	if err := collect(ts, &v.Tags, &v.MoreTags); err != nil {
		return refsView{}, fmt.Errorf("tags of %s: %w", c.name, err)
	}
	return v, nil
}
