package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
)

// newSSHPart makes the SSH transport and opens its listener; it serves once
// run. With cfg.SSH "off" it returns nil. The host key is made on first
// start.
func newSSHPart(cfg Config, svc *service.Service, repos *server.Repos, runner *server.Runner, now func() time.Time, log *slog.Logger, out io.Writer) (*sshPart, error) {
	if cfg.SSH == "off" {
		return nil, nil
	}
	keys, err := server.LoadHostKeys(cfg.Data, cfg.SSHHostKeys)
	if err != nil {
		return nil, err
	}
	var signers []ssh.Signer
	for _, k := range keys {
		signers = append(signers, k.Signer)
	}
	l := cfg.SSHLimits
	srv, err := server.NewSSH(server.SSHConfig{
		HostKeys: signers, PublicURL: cfg.PublicURL, SSHURL: sshCloneBase(cfg),
		MaxSessionsPerConn: l.MaxSessionsPerConn, MaxConnsPerAddr: l.MaxConnsPerAddr, MaxConnsPerUser: l.MaxConnsPerUser,
		MaxStartups: l.Startups, MaxStartupsPerAddr: l.StartupsPerAddr,
		IdleTimeout: l.IdleTimeout, AuthTimeout: l.AuthTimeout, Now: now, ExpiringSoon: svc.ExpiringSoon(),
	}, svc, runner, repos, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.SSH)
	if err != nil {
		return nil, fmt.Errorf("SSH listen on %s: %w (set --ssh or JITGIT_SSH to another address, or \"off\")", cfg.SSH, err)
	}
	fmt.Fprintf(out, "jitgit: serving Git over SSH on %s\n", ln.Addr())
	for _, k := range keys {
		note := ""
		if k.Created {
			note = ", new"
		}
		fmt.Fprintf(out, "jitgit: SSH host key %s (%s%s)\n", ssh.FingerprintSHA256(k.Signer.PublicKey()), keyKind(k.Signer.PublicKey()), note)
	}
	if err := writeServedSSH(cfg.Data, ln.Addr().String()); err != nil {
		ln.Close()
		return nil, err
	}
	return &sshPart{srv: srv, ln: ln, grace: cfg.ShutdownGrace, log: log}, nil
}

// sshCloneBase is the base of SSH clone URLs: cfg.SSHPublicURL, or
// ssh://git@ the listen address.
func sshCloneBase(cfg Config) string {
	if cfg.SSHPublicURL != "" {
		return strings.TrimRight(cfg.SSHPublicURL, "/")
	}
	return "ssh://git@" + cfg.SSH
}

// printHostKey prints the SSH host key (made now if there is none yet) as
// a known_hosts entry for the server's SSH address, after a comment line
// with its fingerprint, so that
//
//	jitgit serve --print-host-key >> ~/.ssh/known_hosts
//
// pins it.
func printHostKey(w io.Writer, cfg Config) error {
	keys, err := server.LoadHostKeys(cfg.Data, cfg.SSHHostKeys)
	if err != nil {
		return err
	}
	if served := readServedSSH(cfg.Data); served != "" && cfg.SSHPublicURL == "" && (serverRunning(cfg.Data) || strings.HasSuffix(cfg.SSH, ":0")) {
		cfg.SSH = served
	}
	pattern := knownHostsPattern(cfg)
	for _, k := range keys {
		pub := k.Signer.PublicKey()
		if _, err := fmt.Fprintf(w, "# jitgit SSH host key %s (%s)\n%s %s", ssh.FingerprintSHA256(pub), keyKind(pub),
			pattern, ssh.MarshalAuthorizedKey(pub)); err != nil {
			return err
		}
	}
	return nil
}

// servedSSHFile holds the address the running server's SSH listener
// actually has (a port of 0 in the configuration is chosen at start), for
// --print-host-key.
const servedSSHFile = "ssh.addr"

func writeServedSSH(dataDir, addr string) error {
	if err := os.WriteFile(filepath.Join(dataDir, servedSSHFile), []byte(addr+"\n"), 0o600); err != nil {
		return fmt.Errorf("SSH: record the address served: %w", err)
	}
	return nil
}

// readServedSSH is the address the server last served SSH on, or "".
func readServedSSH(dataDir string) string {
	b, err := os.ReadFile(filepath.Join(dataDir, servedSSHFile))
	if err != nil {
		return ""
	}
	addr := strings.TrimSpace(string(b))
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return ""
	}
	return addr
}

// knownHostsPattern is the known_hosts host pattern of the server's SSH
// address: host, or [host]:port for a port other than 22; "*" for a
// wildcard listen address.
func knownHostsPattern(cfg Config) string {
	addr := cfg.SSH
	if u, err := url.Parse(cfg.SSHPublicURL); err == nil && cfg.SSHPublicURL != "" && u.Host != "" {
		addr = u.Host
		if u.Port() == "" {
			addr += ":22"
		}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "*"
	}
	if port == "22" {
		return host
	}
	return "[" + host + "]:" + port
}

// keyKind is the key type as ssh-keygen prints it, e.g. "ED25519".
func keyKind(pub ssh.PublicKey) string {
	return strings.ToUpper(strings.TrimPrefix(pub.Type(), "ssh-"))
}

// serverRunning reports whether a server answers on the admin socket of
// dataDir: then the address it recorded is the one served.
func serverRunning(dataDir string) bool {
	c, err := net.DialTimeout("unix", filepath.Join(dataDir, "jitgit.sock"), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
