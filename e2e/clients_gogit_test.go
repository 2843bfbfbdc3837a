package e2e

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh"
)

// The client matrix drives go-git v5 (the library inside many Go tools)
// in-process as the script command
//
//	gogit clone URL DIR [KEY]      clone (over SSH with the private key file KEY)
//	gogit push DIR [KEY]           commit a file and push HEAD to main
//
// printing the error, as go-git reports it, to stderr.
func init() {
	commands["gogit"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) < 2 {
			ts.Fatalf("usage: gogit clone URL DIR [KEY] | gogit push DIR [KEY]")
		}
		err := gogit(ts, args)
		if err != nil {
			fmt.Fprintln(ts.Stderr(), err)
		}
		switch {
		case err != nil && !neg:
			ts.Fatalf("gogit %s: %v", args[0], err)
		case err == nil && neg:
			ts.Fatalf("gogit %s succeeded", args[0])
		}
	}
}

func gogit(ts *testscript.TestScript, args []string) error {
	keyAuth := func(file string) (transport.AuthMethod, error) {
		a, err := gitssh.NewPublicKeysFromFile("git", ts.MkAbs(file), "")
		if err != nil {
			return nil, err
		}
		// Host keys are pinned in the OpenSSH tests; here the client
		// library is under test.
		a.HostKeyCallback = ssh.InsecureIgnoreHostKey()
		return a, nil
	}
	var auth transport.AuthMethod
	switch args[0] {
	case "clone":
		if len(args) < 3 {
			return errors.New("usage: gogit clone URL DIR [KEY]")
		}
		if len(args) > 3 {
			var err error
			if auth, err = keyAuth(args[3]); err != nil {
				return err
			}
		}
		_, err := git.PlainClone(ts.MkAbs(args[2]), false, &git.CloneOptions{URL: args[1], Auth: auth})
		return err
	case "push":
		if len(args) > 2 {
			var err error
			if auth, err = keyAuth(args[2]); err != nil {
				return err
			}
		}
		repo, err := git.PlainOpen(ts.MkAbs(args[1]))
		if err != nil {
			return err
		}
		wt, err := repo.Worktree()
		if err != nil {
			return err
		}
		f, err := wt.Filesystem.Create("gogit.txt")
		if err != nil {
			return err
		}
		fmt.Fprintf(f, "pushed by go-git at %s\n", time.Now().Format(time.RFC3339Nano))
		f.Close()
		if _, err := wt.Add("gogit.txt"); err != nil {
			return err
		}
		sig := &object.Signature{Name: "go-git", Email: "gogit@example.com", When: time.Now()}
		if _, err := wt.Commit("go-git push", &git.CommitOptions{Author: sig}); err != nil {
			return err
		}
		return repo.Push(&git.PushOptions{Auth: auth, RefSpecs: []config.RefSpec{"refs/heads/main:refs/heads/main"}})
	}
	return fmt.Errorf("gogit: unknown verb %q", args[0])
}
