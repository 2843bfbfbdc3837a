package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
)

// repoArg is the command's one OWNER/NAME argument, split for the path.
func repoArg(c *cli.Context) (string, string, string, error) {
	if err := args(c, 1, 1); err != nil {
		return "", "", "", err
	}
	return splitRepo(c.Args().First())
}

// splitRepo makes s a canonical repository name and splits it into the
// owner and name an API path takes.
func splitRepo(s string) (name, owner, repo string, err error) {
	if name, err = auth.CanonicalRepo(s); err != nil {
		return "", "", "", err
	}
	owner, repo, _ = strings.Cut(name, "/")
	return name, owner, repo, nil
}
