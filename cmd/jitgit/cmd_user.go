package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/auth"
)

func userCommand() *cli.Command {
	return &cli.Command{
		Name:  "user",
		Usage: "manage users, their SSH keys and tokens",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a user",
				ArgsUsage: "NAME",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "admin", Usage: "may manage users, repositories and grants"},
					&cli.BoolFlag{Name: "approver", Usage: "may approve requests for any repository"},
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
				Action:    userSet(map[string]any{"disabled": true}),
			},
			{
				Name:      "enable",
				Usage:     "let a disabled user in again",
				ArgsUsage: "NAME",
				Action:    userSet(map[string]any{"disabled": false}),
			},
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
							&cli.StringFlag{Name: "expires", Usage: "lifetime `DURATION` (e.g. 30d); default: never"},
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
	in := map[string]any{
		"name": c.Args().First(), "admin": c.Bool("admin"), "approver": c.Bool("approver"), "groups": c.StringSlice("group"),
	}
	if c.Bool("password-stdin") {
		pw, err := readPassword()
		if err != nil {
			return err
		}
		in["password"] = pw
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	return api.call(c.Context, "POST", "/api/v1/users", nil, in, nil)
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
	api, err := newClient(c)
	if err != nil {
		return err
	}
	return api.call(c.Context, "POST", "/api/v1/users/"+url.PathEscape(c.Args().First())+"/password", nil, map[string]string{"password": pw}, nil)
}

// userSet returns the action of a command that changes one user.
func userSet(change map[string]any) cli.ActionFunc {
	return func(c *cli.Context) error {
		if err := args(c, 1, 1); err != nil {
			return err
		}
		api, err := newClient(c)
		if err != nil {
			return err
		}
		return api.call(c.Context, "POST", "/api/v1/users/"+url.PathEscape(c.Args().First()), nil, change, nil)
	}
}

func userList(c *cli.Context) error {
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := api.call(c.Context, "GET", "/api/v1/users", nil, nil, &raw); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, raw)
	}
	var us []struct {
		Name     string   `json:"name"`
		Groups   []string `json:"groups"`
		Admin    bool     `json:"admin"`
		Approver bool     `json:"approver"`
		Disabled bool     `json:"disabled"`
	}
	if err := json.Unmarshal(raw, &us); err != nil {
		return err
	}
	rows := [][]string{{"NAME", "GROUPS", "FLAGS"}}
	for _, u := range us {
		var flags []string
		if u.Admin {
			flags = append(flags, "admin")
		}
		if u.Approver {
			flags = append(flags, "approver")
		}
		if u.Disabled {
			flags = append(flags, "disabled")
		}
		rows = append(rows, []string{u.Name, dash(strings.Join(u.Groups, ",")), dash(strings.Join(flags, ","))})
	}
	return table(c.App.Writer, rows)
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
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var k auth.Key
	if err := api.call(c.Context, "POST", "/api/v1/users/"+url.PathEscape(c.Args().First())+"/keys", nil, map[string]string{"key": string(key)}, &k); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, k)
	}
	return nil
}

func keyList(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var ks []auth.Key
	if err := api.call(c.Context, "GET", "/api/v1/users/"+url.PathEscape(c.Args().First())+"/keys", nil, nil, &ks); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, ks)
	}
	rows := [][]string{{"FINGERPRINT", "TYPE", "COMMENT", "ADDED"}}
	for _, k := range ks {
		rows = append(rows, []string{k.Fingerprint, k.Type, dash(k.Comment), k.Created.Local().Format(time.DateTime)})
	}
	return table(c.App.Writer, rows)
}

func keyRemove(c *cli.Context) error {
	if err := args(c, 2, 2); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	return api.call(c.Context, "POST", "/api/v1/users/"+url.PathEscape(c.Args().First())+"/keys/remove", nil, map[string]string{"fingerprint": c.Args().Get(1)}, nil)
}

func tokenCreate(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	if e := c.String("expires"); e != "" {
		if _, err := auth.ParseDuration(e, 0); err != nil {
			return fmt.Errorf("--expires: %w", err)
		}
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var out struct {
		Token   string    `json:"token"`
		ID      string    `json:"id"`
		User    string    `json:"user"`
		Expires time.Time `json:"expires"`
	}
	in := map[string]string{"expires": c.String("expires"), "name": c.String("name")}
	if err := api.call(c.Context, "POST", "/api/v1/users/"+url.PathEscape(c.Args().First())+"/tokens", nil, in, &out); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, out)
	}
	_, err = fmt.Fprintln(c.App.Writer, out.Token)
	return err
}

func tokenList(c *cli.Context) error {
	if err := args(c, 1, 1); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	var ts []auth.Token
	if err := api.call(c.Context, "GET", "/api/v1/users/"+url.PathEscape(c.Args().First())+"/tokens", nil, nil, &ts); err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c.App.Writer, ts)
	}
	rows := [][]string{{"ID", "NAME", "CREATED", "EXPIRES", "STATE"}}
	now := time.Now()
	for _, t := range ts {
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
		rows = append(rows, []string{t.ID, dash(t.Name), t.Created.Local().Format(time.DateTime), exp, state})
	}
	return table(c.App.Writer, rows)
}

func tokenRevoke(c *cli.Context) error {
	if err := args(c, 2, -1); err != nil {
		return err
	}
	api, err := newClient(c)
	if err != nil {
		return err
	}
	user := url.PathEscape(c.Args().First())
	for _, id := range c.Args().Slice()[1:] {
		if err := api.call(c.Context, "POST", "/api/v1/users/"+user+"/tokens/"+url.PathEscape(id)+"/revoke", nil, nil, nil); err != nil {
			return fmt.Errorf("token %s: %w", id, err)
		}
	}
	return nil
}
