package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
)

// Repos is the tree of hosted bare repositories: <Root>/owner/name.git.
type Repos struct {
	Root string
	// Launcher starts the git processes that create repositories; Init
	// fails without it.
	Launcher *gitexec.Launcher
}

// repoConfig is what every hosted repository is created with: objects are
// checked on receive, ref updates are logged, partial clone is served, and
// shallow pushes are refused.
var repoConfig = [][2]string{
	{"receive.fsckObjects", "true"},
	{"transfer.fsckObjects", "true"},
	{"receive.shallowUpdate", "false"},
	{"core.logAllRefUpdates", "true"},
	{"uploadpack.allowFilter", "true"},
	{"uploadpack.allowAnySHA1InWant", "false"},
	{"uploadarchive.allowUnreachable", "false"},
}

// stagingDir holds repositories being created, under the root where no
// repository name can reach them (an owner starts with a letter or digit).
const stagingDir = ".staging"

// stagedPath is where Stage builds the repository name.
func (r *Repos) stagedPath(name string) (final, staged string, err error) {
	final, err = r.Path(name)
	if err != nil {
		return "", "", err
	}
	root, err := filepath.Abs(r.Root)
	if err != nil {
		return "", "", err
	}
	rel, err := filepath.Rel(root, final)
	if err != nil {
		return "", "", err
	}
	return final, filepath.Join(root, stagingDir, rel), nil
}

// Init creates the bare repository name and puts it in place at once:
// Stage then Publish.
func (r *Repos) Init(ctx context.Context, name string) error {
	if err := r.Stage(ctx, name); err != nil {
		return err
	}
	if err := r.Publish(name); err != nil {
		r.Discard(name)
		return err
	}
	return nil
}

// Stage creates the bare repository name (canonical) in the staging area,
// out of every client's reach, with "main" as its initial branch, no
// template (so no hooks or other files from the system) and the server's
// safe configuration. Publish moves it into place once its record is
// stored, Discard removes it; so a repository is on disk where clients
// see it only if it is registered. It fails with an error wrapping
// auth.ErrExists when the repository (or a directory in its place) is
// there already or being created, and removes what it made when it fails
// part way.
func (r *Repos) Stage(ctx context.Context, name string) error {
	final, staged, err := r.stagedPath(name)
	if err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("create repository %s: %w: a directory is in its place on disk but not registered (import it, or move it away)", name, auth.ErrExists)
	}
	if err := os.MkdirAll(filepath.Dir(staged), 0o750); err != nil {
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	// Mkdir is the atomic claim: two concurrent Stages cannot both succeed.
	if err := os.Mkdir(staged, 0o750); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create repository %s: %w: it is being created", name, auth.ErrExists)
		}
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	if err := r.initGit(ctx, staged); err != nil {
		os.RemoveAll(staged)
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	return nil
}

// Publish moves the staged repository name into place, in one rename.
func (r *Repos) Publish(name string) error {
	final, staged, err := r.stagedPath(name)
	if err != nil {
		return fmt.Errorf("publish repository: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("publish repository %s: %w", name, err)
	}
	// Rename would replace an empty directory: refuse one that appeared.
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("publish repository %s: %w", name, auth.ErrExists)
	}
	if err := os.Rename(staged, final); err != nil {
		return fmt.Errorf("publish repository %s: %w", name, err)
	}
	return nil
}

// Discard removes the staged repository name, if any.
func (r *Repos) Discard(name string) error {
	_, staged, err := r.stagedPath(name)
	if err != nil {
		return fmt.Errorf("discard repository: %w", err)
	}
	if err := os.RemoveAll(staged); err != nil {
		return fmt.Errorf("discard repository %s: %w", name, err)
	}
	return nil
}

// RecoverStaged finishes what a stopped server left in the staging area:
// a staged repository whose record exists (registered says so) is
// published, every other one is removed. It returns the names it
// published and removed. Run it at start, before anything is created.
func (r *Repos) RecoverStaged(registered func(name string) (bool, error)) (published, removed []string, err error) {
	root, err := filepath.Abs(r.Root)
	if err != nil {
		return nil, nil, fmt.Errorf("repository root: %w", err)
	}
	base := filepath.Join(root, stagingDir)
	owners, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("staged repositories: %w", err)
	}
	for _, o := range owners {
		dirs, err := os.ReadDir(filepath.Join(base, o.Name()))
		if err != nil {
			return published, removed, fmt.Errorf("staged repositories: %w", err)
		}
		for _, d := range dirs {
			name := o.Name() + "/" + strings.TrimSuffix(d.Name(), ".git")
			ok, err := registered(name)
			if _, perr := r.Path(name); perr != nil || !strings.HasSuffix(d.Name(), ".git") {
				ok, err = false, nil // not a repository name: nothing can own it
			}
			if err != nil {
				return published, removed, fmt.Errorf("staged repository %s: %w", name, err)
			}
			if ok {
				if err := r.Publish(name); err == nil {
					published = append(published, name)
					continue
				}
			}
			if err := os.RemoveAll(filepath.Join(base, o.Name(), d.Name())); err != nil {
				return published, removed, fmt.Errorf("staged repository %s: %w", name, err)
			}
			removed = append(removed, name)
		}
	}
	return published, removed, nil
}

func (r *Repos) initGit(ctx context.Context, p string) error {
	if r.Launcher == nil {
		return errors.New("no git launcher configured")
	}
	git := func(c gitexec.Cmd) error {
		c.Dir = p
		_, err := r.Launcher.Output(ctx, c)
		return err
	}
	if err := git(gitexec.Cmd{Command: "init", Options: []string{"--quiet", "--bare", "--initial-branch=main", "--template="},
		Operands: []string{p}}); err != nil {
		return err
	}
	cfg := "--file=" + filepath.Join(p, "config")
	for _, kv := range repoConfig {
		if err := git(gitexec.Cmd{Command: "config", Options: []string{cfg}, Operands: []string{kv[0], kv[1]}}); err != nil {
			return err
		}
	}
	return nil
}

// Exists reports whether name is a valid name of a repository that is
// present: a real directory (not a symbolic link) with a HEAD file.
func (r *Repos) Exists(name string) bool {
	p, err := r.Path(name)
	if err != nil {
		return false
	}
	fi, err := os.Lstat(p)
	if err != nil || !fi.IsDir() {
		return false
	}
	head, err := os.Lstat(filepath.Join(p, "HEAD"))
	return err == nil && head.Mode().IsRegular()
}
