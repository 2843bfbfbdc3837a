package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

// apiClient talks to a running server's JSON API: over the unix socket in
// the data directory by default (acting as the local administrator), or to
// a remote server with an administrator's token.
type apiClient struct {
	http  *http.Client
	base  string
	token string
	where string // for error messages
	as    string // on the socket: the administrator to act as (--as)
}

func newClient(c *cli.Context) (*apiClient, error) {
	if server := c.String("server"); server != "" {
		u, err := url.Parse(server)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("--server %q: use a URL like https://git.example.com", server)
		}
		token := c.String("token")
		if token == "" {
			return nil, errors.New("--server needs --token (or JITGIT_TOKEN): an administrator's jg_ token")
		}
		return &apiClient{http: &http.Client{Timeout: 60 * time.Second}, base: strings.TrimRight(server, "/"), token: token, where: server}, nil
	}
	sock := filepath.Join(c.String("data"), socketName)
	if _, err := os.Stat(sock); err != nil {
		return nil, fmt.Errorf("no jitgit server is running with data in %s (no %s): start `jitgit serve`, pass --data DIR, or --server URL --token TOKEN", c.String("data"), sock)
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}
	return &apiClient{http: &http.Client{Transport: tr, Timeout: 60 * time.Second}, base: "http://jitgit", where: sock, as: c.String("as")}, nil
}

// call sends in (if not nil) as JSON and decodes the answer into out (if
// not nil). An error answer becomes an error carrying the server's message.
// maxAnswer bounds the answer a command reads into memory; lists that can
// be larger are paged or streamed.
const maxAnswer = 64 << 20

func (a *apiClient) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := a.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	a.authorize(req)
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s: %w", a.where, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("reading the answer from %s: %w", a.where, err)
	}
	if len(data) > maxAnswer {
		return fmt.Errorf("the server's answer to %s %s is larger than %d MiB, more than this command reads at once; narrow it with the command's filters (see --help), or page through it", method, path, maxAnswer>>20)
	}
	if resp.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return &apiError{status: resp.StatusCode, msg: e.Error}
		}
		return &apiError{status: resp.StatusCode, msg: strings.TrimSpace(string(data))}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("the server's answer is not what this client expects (%w); are client and server the same version?", err)
		}
	}
	return nil
}

// do calls ep with in as its body (none for api.None) and decodes the
// answer as ep's Out; args fill the path's {wildcards}. Taking the types
// from the endpoint is what keeps the client on the server's contract.
func do[In, Out any](ctx context.Context, a *apiClient, ep api.Endpoint[In, Out], q url.Values, in In, args ...string) (Out, error) {
	var body any = in
	if _, none := body.(api.None); none {
		body = nil
	}
	var out Out
	err := a.call(ctx, ep.Method, ep.URL(args...), q, body, &out)
	return out, err
}

// ask is do for a command that makes one call: it reaches the server the
// command's flags name, then calls ep.
func ask[In, Out any](c *cli.Context, ep api.Endpoint[In, Out], q url.Values, in In, args ...string) (Out, error) {
	client, err := newClient(c)
	if err != nil {
		var none Out
		return none, err
	}
	return do(c.Context, client, ep, q, in, args...)
}

// download streams the answer of GET path into w; an error answer becomes
// an error carrying the server's message.
func (a *apiClient) download(ctx context.Context, path string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+path, nil)
	if err != nil {
		return err
	}
	a.authorize(req)
	client := *a.http
	client.Timeout = 0 // a large backup takes as long as it takes
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach the server at %s: %w", a.where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e api.Error
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&e)
		return &apiError{status: resp.StatusCode, msg: e.Error}
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("the download from %s broke off: %w", a.where, err)
	}
	return nil
}

// authorize says who the request is from: the token, or on the socket
// the administrator named by --as.
func (a *apiClient) authorize(req *http.Request) {
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if a.as != "" {
		req.Header.Set(api.ActAsHeader, a.as)
	}
}

// apiError is an error answer of the API.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }
