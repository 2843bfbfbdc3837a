package mirror

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// access is how one fetch reaches its upstream: the URL git is given (with
// no secret in it), the environment that carries the credential, and the
// private directory of the ssh key and known_hosts files, removed by close.
type access struct {
	url        string
	env        []string
	dir        string
	knownHosts string
}

// access prepares job's credential and host keys for git. Secrets go into
// the environment (an Authorization header for the upstream's host) or a
// key file of mode 0600 in a directory of mode 0700, never into argv.
func (m *Mirrors) access(job service.FetchJob) (*access, error) {
	u, err := url.Parse(job.Upstream)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	a := &access{url: job.Upstream}
	cred := job.Credential
	switch u.Scheme {
	case "http", "https":
		if cred != nil {
			if cred.Kind != auth.CredentialToken {
				return nil, fmt.Errorf("credential %s is a %s, not a token", cred.Name, cred.Kind)
			}
			a.env = basicAuth(u, cred.Username, string(cred.Secret))
		} else {
			a.url, a.env = splitCredentials(job.Upstream)
		}
		if m.caFile != "" {
			a.env = append(a.env, "GIT_SSL_CAINFO="+m.caFile)
		}
		return a, nil
	case "ssh":
	default:
		if cred != nil {
			return nil, fmt.Errorf("credential %s: %s upstreams take none", cred.Name, u.Scheme)
		}
		return a, nil
	}
	if job.HostKeys == "" && !job.LearnHostKeys {
		return nil, errors.New("host key not pinned: give the upstream's key with `jitgit repo mirror set NAME --host-key \"TYPE BASE64\"` or trust the first one seen with --host-key-from-first-fetch")
	}
	if cred != nil && cred.Kind != auth.CredentialSSHKey {
		return nil, fmt.Errorf("credential %s is a %s, not an SSH key", cred.Name, cred.Kind)
	}
	if a.dir, err = os.MkdirTemp(m.tmp, "jitgit-mirror-"); err != nil { // mode 0700
		return nil, fmt.Errorf("private directory: %w", err)
	}
	a.knownHosts = filepath.Join(a.dir, "known_hosts")
	var lines strings.Builder
	host := knownHostsName(u)
	for _, k := range strings.Split(job.HostKeys, "\n") {
		if k = strings.TrimSpace(k); k != "" {
			lines.WriteString(host + " " + k + "\n")
		}
	}
	if err := os.WriteFile(a.knownHosts, []byte(lines.String()), 0o600); err != nil {
		a.close()
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	strict := "yes"
	if job.HostKeys == "" {
		strict = "accept-new" // trust on first use, recorded by the caller
	}
	ssh := []string{"ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=" + strict,
		"-o", "UserKnownHostsFile=" + shellQuote(a.knownHosts), "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "HashKnownHosts=no", "-o", "UpdateHostKeys=no", "-o", "CheckHostIP=no",
		"-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4"}
	if cred != nil {
		key := filepath.Join(a.dir, "key")
		if err := os.WriteFile(key, cred.Secret, 0o600); err != nil {
			a.close()
			return nil, fmt.Errorf("key file: %w", err)
		}
		ssh = append(ssh, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", shellQuote(key))
	}
	a.env = []string{"GIT_SSH_COMMAND=" + strings.Join(ssh, " "), "GIT_SSH_VARIANT=ssh"}
	return a, nil
}

// close removes the private directory and the files in it.
func (a *access) close() {
	if a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

// learnt returns the host keys ssh accepted on first use, as "type
// base64" lines.
func (a *access) learnt() (string, error) {
	if a.knownHosts == "" {
		return "", nil
	}
	b, err := os.ReadFile(a.knownHosts)
	if err != nil {
		return "", fmt.Errorf("known_hosts: %w", err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", errors.New("ssh recorded no host key on first use")
	}
	return service.NormalizeHostKeys(string(b))
}

// knownHostsName is how known_hosts names the upstream's host: host, or
// [host]:port for a port other than 22.
func knownHostsName(u *url.URL) string {
	if p := u.Port(); p != "" && p != "22" {
		return "[" + u.Hostname() + "]:" + p
	}
	return u.Hostname()
}

// shellQuote quotes s for the shell git runs GIT_SSH_COMMAND with.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// splitCredentials takes the user name and password out of an http(s)
// upstream and returns them as git configuration in the environment (an
// Authorization header for that host only), so they never appear on a
// command line that every local user can read.
func splitCredentials(upstream string) (string, []string) {
	u, err := url.Parse(upstream)
	if err != nil || u.User == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return upstream, nil
	}
	pw, _ := u.User.Password()
	user := u.User.Username()
	u.User = nil
	return u.String(), basicAuth(u, user, pw)
}

// basicAuth is the git configuration, as environment variables, that sends
// user and password as Basic authorization to u's host only.
func basicAuth(u *url.URL, user, password string) []string {
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	return []string{
		"GIT_CONFIG_COUNT=1",
		"GIT_CONFIG_KEY_0=http." + u.Scheme + "://" + u.Host + "/.extraHeader",
		"GIT_CONFIG_VALUE_0=Authorization: Basic " + basic,
	}
}
