package web

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCodeViewsAreBounded: a directory of 1,005 files lists 1,000 and
// says how many more; a commit of 305 changed files lists 300; a log page
// holds 30 commits whatever the history.
func TestCodeViewsAreBounded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme", "wide.git")
	gitIn(t, t.TempDir(), "init", "--bare", "-q", "-b", "main", dir)
	var in strings.Builder
	in.WriteString("commit refs/heads/main\ncommitter A <a@example.com> 1700000000 +0000\ndata 4\nwide\n")
	for i := range 1005 {
		fmt.Fprintf(&in, "M 644 inline many/f%04d.txt\ndata 2\n%d\n", i, i%10)
	}
	for c := range 40 {
		fmt.Fprintf(&in, "commit refs/heads/main\ncommitter A <a@example.com> %d +0000\ndata 3\nc%02d\n", 1700000001+c, c)
		fmt.Fprintf(&in, "M 644 inline log.txt\ndata 3\n%02d\n", c)
	}
	in.WriteString("commit refs/heads/main\ncommitter A <a@example.com> 1700000100 +0000\ndata 5\nbroad\n")
	for i := range 305 {
		fmt.Fprintf(&in, "M 644 inline many/f%04d.txt\ndata 3\nx%d\n", i, i%10)
	}
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fast-import: %v\n%s", err, out)
	}
	repo, err := openCode(filepath.Dir(filepath.Dir(dir)), "acme/wide")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := repo.resolve("main")
	if err != nil {
		t.Fatal(err)
	}
	tv, err := repo.tree(rev, "many")
	if err != nil || len(tv.Entries) != maxTreeEntries || tv.More != 5 {
		t.Fatalf("tree: %d entries, %d more, %v", len(tv.Entries), tv.More, err)
	}
	cv, err := repo.commit(context.Background(), rev.Commit.Hash.String())
	if err != nil || len(cv.Files) != maxDiffFiles || cv.MoreFiles != 5 {
		t.Fatalf("commit: %d files, %d more, %v", len(cv.Files), cv.MoreFiles, err)
	}
	log, next, err := repo.log(context.Background(), rev, "")
	if err != nil || len(log) != maxLogPage || next == "" {
		t.Fatalf("log: %d, next %q, %v", len(log), next, err)
	}
	if _, err := repo.resolve("main~3"); err == nil {
		t.Fatal("revision syntax resolves")
	}
	if _, err := openCode(filepath.Dir(filepath.Dir(dir)), "../etc"); err == nil {
		t.Fatal("a name outside the root opens")
	}
}
