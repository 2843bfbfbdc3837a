package main

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestEveryCommandHasAnExample: `--help` of every command shows one.
func TestEveryCommandHasAnExample(t *testing.T) {
	app := newApp()
	if !strings.Contains(app.Description, "Example:") {
		t.Error("jitgit --help has no example")
	}
	var walk func([]*cli.Command, string)
	walk = func(cmds []*cli.Command, parent string) {
		for _, c := range cmds {
			name := strings.TrimSpace(parent + " " + c.Name)
			if c.Hidden || strings.HasPrefix(name, "debug") {
				continue
			}
			if !strings.Contains(c.Description, "Example:") {
				t.Errorf("jitgit %s --help has no example", name)
			}
			walk(c.Subcommands, name)
		}
	}
	walk(app.Commands, "")
}
