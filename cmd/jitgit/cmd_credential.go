package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

// maxKeyFile bounds a private key file read by `credential add --ssh-key`.
const maxKeyFile = 16 << 10

func credentialCommand() *cli.Command {
	return &cli.Command{
		Name:  "credential",
		Usage: "manage the credentials mirrors authenticate to their upstreams with",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a token (--token-stdin), an SSH private key (--ssh-key FILE) or a new SSH key (--generate ed25519, prints its public half)",
				ArgsUsage: "NAME",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "token-stdin", Usage: "read an HTTP token from the first line of stdin"},
					&cli.StringFlag{Name: "username", Usage: "the HTTP user name sent with the token (default x-access-token)"},
					&cli.StringFlag{Name: "ssh-key", Usage: "read an SSH private key without a passphrase from `FILE` (- for stdin)"},
					&cli.StringFlag{Name: "generate", Usage: "make a new SSH key of `TYPE` ed25519 on the server; install the printed public half upstream as a deploy key"},
					jsonFlag,
				},
				Action: credentialAdd,
			},
			{Name: "list", Usage: "list credentials (never their secrets)", Flags: []cli.Flag{jsonFlag}, Action: credentialList},
			{Name: "remove", Usage: "remove a credential no mirror uses", ArgsUsage: "NAME", Action: credentialRemove},
		},
	}
}

func credentialAdd(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	in := api.NewCredential{Name: c.Args().First(), Username: c.String("username")}
	n := 0
	for _, f := range []string{"token-stdin", "ssh-key", "generate"} {
		if c.IsSet(f) {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("give one of --token-stdin, --ssh-key FILE or --generate ed25519")
	}
	switch {
	case c.Bool("token-stdin"):
		in.Kind = "token"
		line, err := readLine(os.Stdin, "token")
		if err != nil {
			return err
		}
		in.Secret = line
	case c.IsSet("ssh-key"):
		in.Kind = "ssh-key"
		if in.Username != "" {
			return fmt.Errorf("--username is for tokens; an SSH user goes in the upstream URL (ssh://user@host/...)")
		}
		var r io.Reader = os.Stdin
		if f := c.String("ssh-key"); f != "-" {
			file, err := os.Open(f)
			if err != nil {
				return err
			}
			defer file.Close()
			r = file
		}
		b, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
		if err != nil {
			return fmt.Errorf("reading the key: %w", err)
		}
		if len(b) > maxKeyFile {
			return fmt.Errorf("the key file is longer than %d bytes: not a private key", maxKeyFile)
		}
		in.Secret = string(b)
	default:
		if t := c.String("generate"); t != "ed25519" {
			return fmt.Errorf("--generate %q: only ed25519 keys are made", t)
		}
		in.Kind, in.Generate = "ssh-key", true
	}
	out, err := ask(c, api.AddCredential, nil, in)
	if err != nil {
		return err
	}
	return emit(c, out, func(cr api.Credential) error {
		if cr.PublicKey != "" {
			fmt.Fprintln(c.App.Writer, cr.PublicKey)
		}
		return nil
	})
}

// readLine reads the first line of r, without its line end: Enter ends it
// on a terminal.
func readLine(r io.Reader, what string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 8<<10)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the %s from stdin: %w", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no %s on stdin", what)
	}
	return line, nil
}

func credentialList(c *cli.Context) error {
	return list(c, api.ListCredentials, nil, []string{"NAME", "KIND", "USER", "FINGERPRINT", "USED BY", "CREATED"}, func(cr api.Credential) []string {
		return []string{cr.Name, cr.Kind, dash(cr.Username), dash(cr.Fingerprint), dash(strings.Join(cr.UsedBy, ",")), cr.Created.Local().Format("2006-01-02 15:04")}
	})
}

func credentialRemove(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	_, err := ask(c, api.RemoveCredential, nil, api.None{}, c.Args().First())
	return err
}
