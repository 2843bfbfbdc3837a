// Command jitgit is a Git server with just-in-time access: `jitgit serve`
// runs it, and the other commands administer it through its API.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	app := newApp()
	if err := app.Run(permute(app, os.Args)); err != nil {
		var exit cli.ExitCoder
		if errors.As(err, &exit) {
			if msg := exit.Error(); msg != "" {
				fmt.Fprintln(os.Stderr, msg)
			}
			os.Exit(exit.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "jitgit:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:                 "jitgit",
		Usage:                "a Git server where access is granted just in time",
		Description:          appExample,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		ExitErrHandler:       func(*cli.Context, error) {},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "data", Value: "./jitgit-data", Usage: "data `DIR` (the admin commands find the server's socket there)", EnvVars: []string{"JITGIT_DATA"}},
			&cli.StringFlag{Name: "server", Usage: "talk to a remote server at `URL` instead of the local socket", EnvVars: []string{"JITGIT_SERVER"}},
			&cli.StringFlag{Name: "token", Usage: "an administrator's `TOKEN` for --server", EnvVars: []string{"JITGIT_TOKEN"}},
			&cli.StringFlag{Name: "as", Usage: "on the admin socket, act as administrator `NAME` (approvals, the audit trail); default: the server's admin_user", EnvVars: []string{"JITGIT_AS"}},
		},
		Commands: withExamples(append([]*cli.Command{
			serveCommand(), userCommand(), repoCommand(), credentialCommand(), grantCommand(), accessCommand(), auditCommand(), reportCommand(), configCommand(), requestCommand(), webhookCommand(),
			policyCommand(), protectCommand(), backupCommand(), restoreCommand(), hookCommand(), loginCommand(),
			groupCommand(), completionCommand(), storeCommand(), clusterCommand(),
		}, debugCommands()...), ""),
	}
}
