package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
)

func userCommand() *cli.Command {
	return &cli.Command{
		Name:  "user",
		Usage: "manage users, their SSH keys and tokens",
		Subcommands: []*cli.Command{
			userImportCommand(),
			{
				Name:      "add",
				Usage:     "add a user",
				ArgsUsage: "NAME",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "admin", Usage: "may manage users, repositories and grants"},
					&cli.BoolFlag{Name: "approver", Usage: "may approve requests for any repository"},
					&cli.BoolFlag{Name: "auditor", Usage: "reads the audit trail and reports; no Git access, no changes"},
					&cli.StringSliceFlag{Name: "group", Usage: "add to group `G` (repeat for more)"},
					&cli.BoolFlag{Name: "password-stdin", Usage: "read a password for web sign-in from the first line of stdin"},
				},
				Action: userAdd,
			},
			{
				Name:      "password",
				Usage:     "set a user's password for web sign-in from the first line of stdin; their web sessions end",
				ArgsUsage: "NAME",
				Action:    userPassword,
			},
			{
				Name:      "disable",
				Usage:     "stop a user's tokens, keys and sessions from working (grants stay on record)",
				ArgsUsage: "NAME",
				Action:    userSet(api.UserChange{Disabled: new(true)}),
			},
			{
				Name:      "enable",
				Usage:     "let a disabled user in again",
				ArgsUsage: "NAME",
				Action:    userSet(api.UserChange{Disabled: new(false)}),
			},
			userSetCommand(),
			{
				Name:   "list",
				Usage:  "list users",
				Flags:  []cli.Flag{jsonFlag},
				Action: userList,
			},
			{
				Name:  "key",
				Usage: "manage a user's SSH keys",
				Subcommands: []*cli.Command{
					{Name: "add", Usage: "add a public key from FILE or - (stdin)", ArgsUsage: "NAME FILE|-", Flags: []cli.Flag{jsonFlag}, Action: keyAdd},
					{Name: "list", Usage: "list a user's keys", ArgsUsage: "NAME", Flags: []cli.Flag{jsonFlag}, Action: keyList},
					{Name: "remove", Usage: "remove a key by fingerprint", ArgsUsage: "NAME FINGERPRINT", Action: keyRemove},
				},
			},
			{
				Name:  "token",
				Usage: "manage a user's personal access tokens",
				Subcommands: []*cli.Command{
					{
						Name: "create", Usage: "create a token and print it (once)", ArgsUsage: "NAME",
						Flags: []cli.Flag{
							&cli.StringFlag{Name: "expires", Usage: "lifetime `DURATION` (e.g. 30d, or never where the server allows it); default: the server's (30d)"},
							&cli.StringFlag{Name: "name", Usage: "a label to tell tokens apart"},
							jsonFlag,
						},
						Action: tokenCreate,
					},
					{Name: "list", Usage: "list a user's tokens", ArgsUsage: "NAME", Flags: []cli.Flag{jsonFlag}, Action: tokenList},
					{Name: "revoke", Usage: "revoke tokens by id", ArgsUsage: "NAME ID...", Action: tokenRevoke},
				},
			},
		},
	}
}

var jsonFlag = &cli.BoolFlag{Name: "json", Usage: "print JSON"}

// args checks the positional arguments.
func args(c *cli.Context, min, max int) error {
	n := c.NArg()
	if n < min || (max >= 0 && n > max) {
		return fmt.Errorf("usage: %s %s", c.Command.HelpName, c.Command.ArgsUsage)
	}
	return nil
}

func userAdd(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	in := api.NewUser{Name: c.Args().First(), Admin: c.Bool("admin"), Approver: c.Bool("approver"), Groups: c.StringSlice("group"), Auditor: c.Bool("auditor")}
	if c.Bool("password-stdin") {
		pw, err := readPassword()
		if err != nil {
			return err
		}
		in.Password = pw
	}
	_, err := ask(c, api.CreateUser, nil, in)
	return err
}

// readPassword reads a password from the first line of stdin.
func readPassword() (string, error) {
	line, err := bufio.NewReader(io.LimitReader(os.Stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func userPassword(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	pw, err := readPassword()
	if err != nil {
		return err
	}
	_, err = ask(c, api.SetPassword, nil, api.PasswordChange{Password: pw}, c.Args().First())
	return err
}

// userSet returns the action of a command that changes one user.
func userSet(change api.UserChange) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := args(c, 1, 1); err != nil {
			return err
		}
		_, err := ask(c, api.UpdateUser, nil, change, c.Args().First())
		return err
	}
}

func userList(c *cli.Context) error {
	return list(c, api.ListUsers, nil, []string{"NAME", "GROUPS", "FLAGS"}, func(u api.User) []string {
		var flags []string
		if u.Admin {
			flags = append(flags, "admin")
		}
		if u.Approver {
			flags = append(flags, "approver")
		}
		if u.Auditor {
			flags = append(flags, "auditor")
		}
		if u.Disabled {
			flags = append(flags, "disabled")
		}
		return []string{u.Name, dash(strings.Join(u.Groups, ",")), dash(strings.Join(flags, ","))}
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func keyAdd(c *cli.Context) error {
	if err := args(c, 2, 2); err != nil {
		return err
	}
	var r io.Reader = os.Stdin
	if f := c.Args().Get(1); f != "-" {
		fh, err := os.Open(f)
		if err != nil {
			return fmt.Errorf("SSH key: %w", err)
		}
		defer fh.Close()
		r = fh
	}
	key, err := io.ReadAll(io.LimitReader(r, 16<<10+1))
	if err != nil {
		return fmt.Errorf("SSH key: %w", err)
	}
	k, err := ask(c, api.AddKey, nil, api.NewKey{Key: string(key)}, c.Args().First())
	if err != nil {
		return err
	}
	return emit(c, k, func(api.Key) error { return nil })
}

func keyList(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	return list(c, api.ListKeys, nil, []string{"FINGERPRINT", "TYPE", "COMMENT", "ADDED"}, func(k api.Key) []string {
		return []string{k.Fingerprint, k.Type, dash(k.Comment), k.Created.Local().Format(time.DateTime)}
	}, c.Args().First())
}

func keyRemove(c *cli.Context) error {
	if err := args(c, 2, 2); err != nil {
		return err
	}
	_, err := ask(c, api.RemoveKey, nil, api.KeyRef{Fingerprint: c.Args().Get(1)}, c.Args().First())
	return err
}

func tokenCreate(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	if e := c.String("expires"); e != "" && e != "never" {
		if _, err := auth.ParseDuration(e, 0); err != nil {
			return fmt.Errorf("--expires: %w", err)
		}
	}
	in := api.NewToken{Expires: c.String("expires"), Name: c.String("name")}
	t, err := ask(c, api.CreateToken, nil, in, c.Args().First())
	if err != nil {
		return err
	}
	return emit(c, t, func(t api.CreatedToken) error {
		_, err := fmt.Fprintln(c.App.Writer, t.Token)
		return err
	})
}

func tokenList(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	now := time.Now()
	return list(c, api.ListTokens, nil, []string{"ID", "NAME", "CREATED", "EXPIRES", "STATE"}, func(t api.Token) []string {
		exp, state := "never", "active"
		if !t.Expires.IsZero() {
			exp = t.Expires.Local().Format(time.DateTime)
			if !now.Before(t.Expires) {
				state = "expired"
			}
		}
		if t.Revoked {
			state = "revoked"
		}
		return []string{t.ID, dash(t.Name), t.Created.Local().Format(time.DateTime), exp, state}
	}, c.Args().First())
}

func tokenRevoke(c *cli.Context) error {
	if err := args(c, 2, -1); err != nil {
		return err
	}
	client, err := newClient(c)
	if err != nil {
		return err
	}
	user := c.Args().First()
	for _, id := range c.Args().Slice()[1:] {
		if _, err := do(c.Context, client, api.RevokeToken, nil, api.None{}, user, id); err != nil {
			return fmt.Errorf("token %s: %w", id, err)
		}
	}
	return nil
}
