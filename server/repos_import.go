package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/gitexec"
)

// isBare reports whether dir is a bare repository: a real directory with
// a HEAD file and objects and refs directories.
func isBare(dir string) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	head, err := os.Lstat(filepath.Join(dir, "HEAD"))
	if err != nil || !head.Mode().IsRegular() {
		return false
	}
	for _, sub := range []string{"objects", "refs"} {
		if fi, err := os.Lstat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// FindBare lists the bare repositories at dir/OWNER/NAME(.git), by the
// name each would have, and the paths it found that are bare repositories
// but have no valid name (with why). Symbolic links are not followed.
func FindBare(dir string) (found map[string]string, bad []string, err error) {
	found = map[string]string{}
	owners, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range owners {
		if !o.IsDir() {
			continue
		}
		names, err := os.ReadDir(filepath.Join(dir, o.Name()))
		if err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			p := filepath.Join(dir, o.Name(), n.Name())
			if !n.IsDir() || !isBare(p) {
				continue
			}
			raw := o.Name() + "/" + n.Name()
			canon, err := auth.CanonicalRepo(raw)
			if err != nil || (canon != raw && canon+".git" != raw) {
				bad = append(bad, fmt.Sprintf("%s: not a valid repository name (owner/name of lowercase letters, digits, '-', '_', '.')", p))
				continue
			}
			if _, dup := found[canon]; dup {
				bad = append(bad, fmt.Sprintf("%s: %s is there twice", p, canon))
				continue
			}
			found[canon] = p
		}
	}
	return found, bad, nil
}

// Unregistered lists the bare repositories under the root that are not
// among known, sorted.
func (r *Repos) Unregistered(known []string) ([]string, error) {
	found, _, err := FindBare(r.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	var out []string
	for name := range found {
		if !slices.Contains(known, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Import brings the bare repository at src under the root as name,
// keeping its history: moved (a rename, same file system) or copied with
// git clone --mirror, which copies objects and refs but neither hooks nor
// config. Either way it gets the server's safe configuration. A
// repository already at name is refused with auth.ErrExists.
func (r *Repos) Import(ctx context.Context, src, name string, move bool) error {
	p, err := r.Path(name)
	if err != nil {
		return fmt.Errorf("import repository: %w", err)
	}
	if !isBare(src) {
		return fmt.Errorf("%w: %s is not a bare repository", auth.ErrInvalid, src)
	}
	if r.InPlace(src, name) {
		// Already where it belongs (copied into the root by hand): it
		// only needs the server's configuration.
		return r.configure(ctx, p, name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("import repository %s: %w", name, err)
	}
	if _, err := os.Lstat(p); err == nil {
		return fmt.Errorf("import repository %s: %w", name, auth.ErrExists)
	}
	if move {
		if err := os.Rename(src, p); err != nil {
			return fmt.Errorf("import repository %s: move %s: %w (on another file system, import without --move to copy)", name, src, err)
		}
		// Hooks that came with it never run (the launcher pins the hooks
		// path), but they are not kept either.
		_ = os.RemoveAll(filepath.Join(p, "hooks"))
	} else {
		abs, err := filepath.Abs(src)
		if err != nil {
			return err
		}
		if _, err := r.Launcher.Output(ctx, gitexec.Cmd{Command: "clone", Options: []string{"--quiet", "--mirror", "--no-hardlinks", "--template="},
			Operands: []string{abs, p}}); err != nil {
			os.RemoveAll(p)
			return fmt.Errorf("import repository %s: copy %s: %w", name, src, err)
		}
		// A mirror clone remembers its origin; the copy stands alone.
		_, _ = r.Launcher.Output(ctx, gitexec.Cmd{Command: "config", Dir: p, Options: []string{"--file=" + filepath.Join(p, "config"), "--remove-section"}, Operands: []string{"remote.origin"}})
	}
	return r.configure(ctx, p, name)
}

// configure gives the repository at p the server's safe configuration.
func (r *Repos) configure(ctx context.Context, p, name string) error {
	cfg := "--file=" + filepath.Join(p, "config")
	for _, kv := range repoConfig {
		if _, err := r.Launcher.Output(ctx, gitexec.Cmd{Command: "config", Dir: p, Options: []string{cfg}, Operands: []string{kv[0], kv[1]}}); err != nil {
			return fmt.Errorf("import repository %s: %w", name, err)
		}
	}
	return nil
}

// InPlace reports whether src is already the directory of name under the
// root.
func (r *Repos) InPlace(src, name string) bool {
	p, err := r.Path(name)
	if err != nil {
		return false
	}
	abs, err := filepath.Abs(src)
	return err == nil && filepath.Clean(abs) == filepath.Clean(p)
}

// Find is FindBare for the service: the bare repositories under dir.
func (r *Repos) Find(dir string) (map[string]string, []string, error) { return FindBare(dir) }
