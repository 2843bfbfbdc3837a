package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

// Init creates the bare repository name (canonical) with "main" as its
// initial branch, no template (so no hooks or other files from the system),
// and the server's safe configuration. It fails with an error wrapping
// auth.ErrExists when the repository is already there, and removes what it
// made when it fails part way.
func (r *Repos) Init(ctx context.Context, name string) error {
	p, err := r.Path(name)
	if err != nil {
		return fmt.Errorf("create repository: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	// Mkdir is the atomic claim: two concurrent Inits cannot both succeed.
	if err := os.Mkdir(p, 0o750); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create repository %s: %w", name, auth.ErrExists)
		}
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	if err := r.initGit(ctx, p); err != nil {
		os.RemoveAll(p)
		return fmt.Errorf("create repository %s: %w", name, err)
	}
	return nil
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
