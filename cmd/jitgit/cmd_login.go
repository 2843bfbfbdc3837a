package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func loginCommand() *cli.Command {
	return &cli.Command{
		Name:  "login",
		Usage: "trade a CI job's identity token for a short-lived jitgit token and print it",
		Description: "The server's trust rules map the token's issuer and claims to a machine user; the token printed\n" +
			"lives no longer than the identity token (and the rule's limit). Use it as JITGIT_TOKEN or as the\n" +
			"password for Git over HTTP.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "oidc-token-file", Usage: "`FILE` holding the identity token (- for standard input)", Required: true},
			&cli.StringFlag{Name: "grant", Usage: "grant `ID` the token lives with, where the trust rule asks for one"},
			&cli.StringFlag{Name: "request", Usage: "request `ID` the token lives with, where the trust rule asks for one"},
			jsonFlag,
		},
		Action: login,
	}
}

// maxIDTokenFile bounds what login reads as a token.
const maxIDTokenFile = 64 << 10

func login(c *cli.Context) error {
	var r io.Reader = os.Stdin
	if f := c.String("oidc-token-file"); f != "-" {
		fh, err := os.Open(f)
		if err != nil {
			return fmt.Errorf("--oidc-token-file: %w", err)
		}
		defer fh.Close()
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, maxIDTokenFile+1))
	if err != nil {
		return fmt.Errorf("--oidc-token-file: %w", err)
	}
	if len(b) > maxIDTokenFile {
		return errors.New("--oidc-token-file: longer than 64 KiB; is it an identity token (a JWT)?")
	}
	raw := strings.TrimSpace(string(b))
	if strings.Count(raw, ".") != 2 {
		return errors.New("--oidc-token-file: not a JWT (three dot-separated parts); give the file the CI platform wrote its identity token to")
	}
	client, err := loginClient(c)
	if err != nil {
		return err
	}
	in := api.TokenExchange{IDToken: raw, Grant: c.String("grant"), Request: c.String("request")}
	t, err := do(c.Context, client, api.ExchangeToken, nil, in)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	return emit(c, t, func(t api.CreatedToken) error {
		_, err := fmt.Fprintln(c.App.Writer, t.Token)
		return err
	})
}

// loginClient reaches --server without a token (the identity token is the
// proof), or the local socket.
func loginClient(c *cli.Context) (*apiClient, error) {
	server := c.String("server")
	if server == "" {
		return newClient(c)
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: use a URL like https://git.example.com", server)
	}
	return &apiClient{http: &http.Client{Timeout: 60 * time.Second}, base: strings.TrimRight(server, "/"), where: server}, nil
}
