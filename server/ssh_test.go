package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// sshTestServer is the SSH transport on a loopback port with a real git, a
// real hook and the real service over in-memory storage, beside the HTTP
// transport of the same server.
type sshTestServer struct {
	*testServer
	srv  *SSH
	addr string
	keys map[string]ssh.Signer // user → key
}

func newSSHTestServer(t *testing.T, cfg SSHConfig, git string) *sshTestServer {
	t.Helper()
	hs := newTestServer(t, HTTPConfig{}, git)
	s := &sshTestServer{testServer: hs, keys: map[string]ssh.Signer{}}
	var err error
	cfg.HostKey, _, err = LoadHostKey(filepath.Join(t.TempDir(), HostKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg.PublicURL = publicURL
	cfg.SSHURL = "ssh://git@git.example.com:2222"
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.srv, err = NewSSH(cfg, s.auth.Svc, hs.run, hs.repos, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	done := make(chan error)
	go func() { done <- s.srv.Serve(ln) }()
	t.Cleanup(func() {
		s.srv.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	for _, u := range []string{"alice", "bob", "mallory"} {
		s.keys[u] = newKey(t)
		if u != "mallory" {
			s.auth.addKey(u, s.keys[u].PublicKey())
		}
	}
	return s
}

func newKey(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// dial connects with the given authentication methods.
func (s *sshTestServer) dial(methods ...ssh.AuthMethod) (*ssh.Client, error) {
	return ssh.Dial("tcp", s.addr, &ssh.ClientConfig{
		User: "git", Auth: methods, HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
}

// client connects as user (its key), or anonymously for "".
func (s *sshTestServer) client(user string) *ssh.Client {
	s.t.Helper()
	var m ssh.AuthMethod = ssh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })
	if user != "" {
		m = ssh.PublicKeys(s.keys[user])
	}
	c, err := s.dial(m)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	return c
}

// run runs command in a new session of c and returns stdout, stderr and
// the exit status.
func run(t *testing.T, c *ssh.Client, env map[string]string, command, stdin string) (string, string, int) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for k, v := range env {
		sess.Setenv(k, v) // refusals are expected for some
	}
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr, sess.Stdin = &stdout, &stderr, strings.NewReader(stdin)
	err = sess.Run(command)
	var exit *ssh.ExitError
	switch {
	case err == nil:
		return stdout.String(), stderr.String(), 0
	case errors.As(err, &exit):
		return stdout.String(), stderr.String(), exit.ExitStatus()
	}
	t.Fatalf("%q: %v", command, err)
	return "", "", 0
}

func TestSSHUploadPackV2AndExitStatus(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	c := s.client("alice")
	// git ends a v2 session at EOF on stdin after the capabilities.
	out, errOut, code := run(t, c, map[string]string{"GIT_PROTOCOL": "version=2"}, "git-upload-pack '/acme/payments.git'", "0000")
	if code != 0 || !strings.HasPrefix(out, "000eversion 2\n") {
		t.Fatalf("v2 upload-pack: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// The spaced form and a path without '/' and .git work too; without
	// GIT_PROTOCOL it is v0 (an empty repository advertises nothing).
	out, _, code = run(t, c, nil, "git upload-pack 'acme/payments'", "0000")
	if code != 0 || out != "0000" {
		t.Fatalf("v0 upload-pack: exit %d, stdout %q", code, out)
	}
	// git's own failure status reaches the client.
	_, errOut, code = run(t, c, nil, "git-upload-pack 'acme/payments.git'", "garbage")
	if code == 0 {
		t.Fatalf("bad protocol input: exit 0, stderr %q", errOut)
	}
	if got := s.run.Runs(); got != 3 {
		t.Fatalf("%d git runs, want 3", got)
	}
}

func TestSSHDeniedSeesWhereToAsk(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	for _, tc := range []struct {
		user, command, want string
	}{
		{"alice", "git-receive-pack 'acme/payments.git'", "alice has read access to acme/payments but no active grant to write it. Ask for access: https://git.example.com/requests/new?repo=acme/payments&access=write\n"},
		{"bob", "git-upload-pack 'acme/payments.git'", "bob has no active grant to read acme/payments. Ask for access: https://git.example.com/requests/new?repo=acme/payments&access=read\n"},
		{"bob", "git-upload-archive 'acme/payments.git'", "access=read"},
		// A missing repository looks the same as a private one.
		{"bob", "git-upload-pack 'acme/nothing.git'", "bob has no active grant to read acme/nothing"},
		{"", "git-upload-pack 'acme/payments.git'", "The server does not know your SSH key"},
	} {
		_, errOut, code := run(t, s.client(tc.user), nil, tc.command, "")
		if code != exitDenied || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s %q: exit %d, stderr %q; want %q", tc.user, tc.command, code, errOut, tc.want)
		}
	}
	if got := s.run.Runs(); got != 0 {
		t.Fatalf("%d git runs for denied commands", got)
	}
}

func TestSSHRefusedCommandsRunNothing(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelWrite)
	marker := filepath.Join(t.TempDir(), "pwned")
	c := s.client("alice")
	for _, tc := range []struct{ command, want string }{
		{"", "there is no shell"},
		{"sh -c id", "there is no shell"},
		{"git-upload-pack", "name the repository"},
		{"git-upload-pack acme/payments.git", "there is no shell"},
		{"git-upload-pack \"acme/payments.git\"", "there is no shell"},
		{"git-upload-pack 'acme/payments.git' --help", "single-quoted last argument"},
		{"git-upload-pack 'acme/payments.git' 'acme/other.git'", "no quote"},
		{"git-upload-pack 'acme/payments.git'; touch " + marker, "single-quoted last argument"},
		{"git-upload-pack 'acme/payments.git' && touch " + marker, "single-quoted last argument"},
		{"git-upload-pack 'acme/payments.git$(touch " + marker + ")'", "repository"},
		{"git-upload-pack 'acme/`touch " + marker + "`'", "repository"},
		{"git-upload-pack 'acme/payments.git'\ntouch " + marker, "single-quoted last argument"},
		{"git-upload-pack 'acme/payments.git\n'", "control characters"},
		{"git-upload-pack '--upload-pack=touch " + marker + "'", "may not start with '-'"},
		{"git-upload-pack '-acme/payments.git'", "may not start with '-'"},
		{"git-upload-pack 'acme/../../etc'", "'.' and '..'"},
		{"git-upload-pack '../acme/payments.git'", "'.' and '..'"},
		{"git-upload-pack '//etc/passwd'", "relative to the server"},
		{"git-upload-pack 'acme/%2e%2e'", "no quote or '%'"},
		{"git-upload-pack 'acme/pay\\ments'", "backslashes"},
		{"git-upload-pack 'acme/payments.git.git'", "repository"},
		{"git-upload-pack 'Acme/Payments'", "lower case"},
		{"git-upload-pack 'acme'", "owner/name"},
		{"git-upload-pack 'acme/payments'\\''x'", "no quote"},
		{"git  upload-pack 'acme/payments.git'", "there is no shell"},
		{"git-upload-pack  'acme/payments.git'", "there is no shell"},
		{"git-upload-pack\t'acme/payments.git'", "there is no shell"},
		{"git-http-backend 'acme/payments.git'", "there is no shell"},
		{"git -c core.sshCommand=x upload-pack 'acme/payments.git'", "there is no shell"},
		{"git-upload-pack '" + strings.Repeat("a", 2000) + "'", "too long"},
	} {
		_, errOut, code := run(t, c, nil, tc.command, "")
		if code != exitRefused || !strings.HasPrefix(errOut, "jitgit: ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %q", tc.command, code, errOut, tc.want)
		}
	}
	if got := s.run.Runs(); got != 0 {
		t.Fatalf("%d git runs for refused commands", got)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a shell ran part of a command")
	}
}

func TestSSHEnvOnlyGitProtocol(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	c := s.client("alice")
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"GIT_PROTOCOL", "version=2", true},
		{"GIT_PROTOCOL", "version=3", false},
		{"GIT_PROTOCOL", "version=2:x=$(id)", false},
		{"LD_PRELOAD", "/tmp/evil.so", false},
		{"GIT_CONFIG_PARAMETERS", "'core.sshCommand=touch /tmp/x'", false},
		{"PATH", "/tmp", false},
		{"GIT_PROTOCOL", "version=1", true},
	} {
		ok, err := sess.SendRequest("env", true, ssh.Marshal(struct{ Name, Value string }{tc.name, tc.value}))
		if err != nil || ok != tc.ok {
			t.Errorf("env %s=%s: ok %v, err %v; want %v", tc.name, tc.value, ok, err, tc.ok)
		}
	}
	if got := s.run.Runs(); got != 0 {
		t.Fatalf("%d git runs for env requests", got)
	}
	// The last valid GIT_PROTOCOL counts: version=1 advertises "version 1".
	var out bytes.Buffer
	sess.Stdout, sess.Stdin = &out, strings.NewReader("0000")
	if err := sess.Run("git-upload-pack 'acme/payments.git'"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "000eversion 1\n") {
		t.Fatalf("stdout %q, want protocol version 1", out.String())
	}
}

func TestSSHRefusesEverythingButGit(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	c := s.client("alice")

	for _, tc := range []struct {
		typ     string
		payload []byte
	}{
		{"pty-req", ssh.Marshal(struct {
			Term         string
			W, H, PW, PH uint32
			Modes        string
		}{"xterm", 80, 24, 0, 0, ""})},
		{"subsystem", ssh.Marshal(struct{ Name string }{"sftp"})},
		{"x11-req", ssh.Marshal(struct {
			Single        bool
			Proto, Cookie string
			Screen        uint32
		}{false, "MIT-MAGIC-COOKIE-1", "00", 0})},
		{"auth-agent-req@openssh.com", nil},
		{"signal", ssh.Marshal(struct{ Sig string }{"KILL"})},
	} {
		sess, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := sess.SendRequest(tc.typ, true, tc.payload); ok || err != nil {
			t.Errorf("%s: accepted (err %v)", tc.typ, err)
		}
		sess.Close()
	}

	for _, typ := range []string{"tcpip-forward", "streamlocal-forward@openssh.com", "cancel-tcpip-forward"} {
		if ok, _, err := c.SendRequest(typ, true, ssh.Marshal(struct {
			Addr string
			Port uint32
		}{"127.0.0.1", 0})); ok || err != nil {
			t.Errorf("global %s: accepted (err %v)", typ, err)
		}
	}
	if _, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		t.Error("remote port forwarding was allowed")
	}
	for _, typ := range []string{"direct-tcpip", "direct-streamlocal@openssh.com", "x11", "auth-agent@openssh.com"} {
		_, _, err := c.OpenChannel(typ, nil)
		var oce *ssh.OpenChannelError
		if !errors.As(err, &oce) || oce.Reason != ssh.Prohibited {
			t.Errorf("channel %s: %v, want prohibited", typ, err)
		}
	}
	if _, err := c.Dial("tcp", s.testServer.srv.Listener.Addr().String()); err == nil {
		t.Error("local port forwarding was allowed")
	}
	if got := s.run.Runs(); got != 0 {
		t.Fatalf("%d git runs", got)
	}
	// The connection is still good for Git.
	if _, _, code := run(t, c, nil, "git-upload-pack 'acme/payments.git'", "0000"); code != exitDenied {
		t.Fatalf("exit %d, want a denial", code)
	}
}

func TestSSHShellIsGreeting(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.Grant(t, auth.UserPrincipal("alice"), "acme/payments", auth.LevelWrite, 90*time.Minute)
	// Asked three minutes ago: the greeting counts from the wall clock.
	s.auth.Clock.Set(time.Now().Add(-3 * time.Minute))
	req, err := s.auth.Svc.CreateRequest(t.Context(), s.auth.Who(t, "alice"), service.NewRequest{Repo: "acme/infra", Level: auth.LevelRead, Duration: time.Hour, Reason: "on call"})
	if err != nil {
		t.Fatal(err)
	}
	s.auth.Clock.Set(time.Now())
	c := s.client("alice")
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if err := sess.RequestPty("xterm", 24, 80, ssh.TerminalModes{}); err == nil {
		t.Fatal("PTY allocated")
	}
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Hi alice! You are signed in to jitgit with the SSH key " + ssh.FingerprintSHA256(s.keys["alice"].PublicKey()),
		"there is no shell",
		"acme/payments  write  ends in 1h",
		"acme/infra  read  for 1h  " + req.ID + "  asked 3m",
		"git clone ssh://git@git.example.com:2222/acme/payments.git",
		"git clone https://git.example.com/acme/payments.git",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("greeting lacks %q:\n%s", want, out.String())
		}
	}

	sess2, _ := s.client("").NewSession()
	out.Reset()
	sess2.Stdout = &out
	if err := sess2.Shell(); err != nil {
		t.Fatal(err)
	}
	sess2.Wait()
	if !strings.Contains(out.String(), "You are not signed in") || !strings.Contains(out.String(), "jitgit user key add") {
		t.Errorf("anonymous greeting:\n%s", out.String())
	}
	if got := s.run.Runs(); got != 0 {
		t.Fatalf("%d git runs for greetings", got)
	}
}

// lyingSigner offers one public key and signs with another key.
type lyingSigner struct {
	pub ssh.PublicKey
	ssh.AlgorithmSigner
}

func (l lyingSigner) PublicKey() ssh.PublicKey { return l.pub }

func TestSSHIdentityIsTheSigningKey(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	// mallory offers alice's key, which the server accepts as a candidate,
	// but cannot sign with it: that ends the connection; it never acts as
	// alice.
	liar := lyingSigner{pub: s.keys["alice"].PublicKey(), AlgorithmSigner: s.keys["mallory"].(ssh.AlgorithmSigner)}
	if c, err := s.dial(ssh.PublicKeys(liar, s.keys["bob"])); err == nil {
		c.Close()
		t.Fatal("a key that did not sign was accepted")
	}
	if evs := s.auth.decisions("alice"); len(evs) != 0 {
		t.Fatalf("acted as alice: %+v", evs)
	}
	// The key that signs is the identity.
	c, err := s.dial(ssh.PublicKeys(s.keys["bob"]))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, errOut, code := run(t, c, nil, "git-upload-pack 'acme/payments.git'", "0000"); code != exitDenied || !strings.Contains(errOut, "bob has no active grant") {
		t.Fatalf("exit %d, stderr %q; want bob denied", code, errOut)
	}
	// An unknown key is refused, so the client goes on to its next key.
	c2, err := s.dial(ssh.PublicKeys(s.keys["mallory"], s.keys["alice"]))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, errOut, code := run(t, c2, nil, "git-upload-pack 'acme/payments.git'", "0000"); code != 0 {
		t.Fatalf("alice's second key: exit %d, stderr %q", code, errOut)
	}
	// "none" is refused: OpenSSH tries it first.
	if _, err := s.dial(); err == nil {
		t.Fatal("authentication method none accepted")
	}
}

func TestSSHKeyRemovedAndRevokedOnOpenConnection(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{}, "")
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	c := s.client("alice")
	if _, errOut, code := run(t, c, nil, "git-upload-pack 'acme/payments.git'", "0000"); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	s.auth.revoke("alice", "acme/payments")
	if _, errOut, code := run(t, c, nil, "git-upload-pack 'acme/payments.git'", "0000"); code != exitDenied || !strings.Contains(errOut, "alice has no active grant") {
		t.Fatalf("after revoke: exit %d, stderr %q", code, errOut)
	}
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	s.auth.removeKey("alice", s.keys["alice"].PublicKey())
	if _, errOut, code := run(t, c, nil, "git-upload-pack 'acme/payments.git'", "0000"); code != exitDenied || !strings.Contains(errOut, "anonymous read access to acme/payments is not allowed") {
		t.Fatalf("after key removal: exit %d, stderr %q", code, errOut)
	}
	evs := s.auth.decisions("alice")
	if len(evs) != 2 || evs[0].Result != "allow" || evs[1].Result != "deny" || evs[0].Transport != "ssh" || evs[0].Remote == "" {
		t.Fatalf("audited decisions of alice: %+v", evs)
	}
	if anon := s.auth.decisions("anonymous"); len(anon) != 1 || anon[0].Result != "deny" || anon[0].Transport != "ssh" {
		t.Fatalf("audited decisions after the key was removed: %+v", anon)
	}
}

func TestSSHKillsGitWhenChannelCloses(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	fake := filepath.Join(dir, "git")
	script := fmt.Sprintf("#!/bin/sh\necho $$ > %s\nexec sleep 60\n", pidFile)
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s := newSSHTestServer(t, SSHConfig{}, fake)
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	c := s.client("alice")
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("git-upload-pack 'acme/payments.git'"); err != nil {
		t.Fatal(err)
	}
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(pidFile)
		fmt.Sscan(string(b), &pid)
	}
	if pid == 0 {
		t.Fatal("git did not start")
	}
	sess.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if exec.Command("kill", "-0", fmt.Sprint(pid)).Run() != nil {
			return
		}
	}
	t.Fatal("git still runs after the channel closed")
}

func TestSSHLimits(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{MaxSessionsPerConn: 2, MaxConnsPerAddr: 2, IdleTimeout: 500 * time.Millisecond, AuthTimeout: 300 * time.Millisecond}, "")

	// Sessions per connection.
	c := s.client("alice")
	s1, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var oce *ssh.OpenChannelError
	if _, err := c.NewSession(); !errors.As(err, &oce) || oce.Reason != ssh.ResourceShortage {
		t.Fatalf("third session: %v", err)
	}

	// Connections per address (c is one).
	c2 := s.client("bob")
	if _, err := s.dial(ssh.PublicKeys(s.keys["alice"])); err == nil {
		t.Fatal("third connection from one address accepted")
	}

	// A session that asks for no command is closed after the idle timeout.
	if err := s1.Wait(); err == nil {
		t.Fatalf("idle session: %v", err)
	}
	// An idle connection is closed.
	done := make(chan error, 1)
	go func() { done <- c2.Wait() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("idle connection not closed")
	}
	c.Close()

	// A connection that does not authenticate in time is closed.
	time.Sleep(200 * time.Millisecond) // let the server release the slots
	nc, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, nc); err != nil {
		t.Fatalf("unauthenticated connection not closed by the server: %v", err)
	}
}

func TestLoadHostKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", HostKeyFile)
	k1, created, err := LoadHostKey(path)
	if err != nil || !created {
		t.Fatalf("first load: created %v, %v", created, err)
	}
	if k1.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("key type %s", k1.PublicKey().Type())
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	k2, created, err := LoadHostKey(path)
	if err != nil || created || !bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()) {
		t.Fatalf("second load: created %v, %v, same %v", created, err, bytes.Equal(k1.PublicKey().Marshal(), k2.PublicKey().Marshal()))
	}
	os.Chmod(path, 0o644)
	if _, _, err := LoadHostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v", err)
	}
}

// slowGit is a fake git that writes its pid, then waits for the file
// release before it prints "done" and exits 0.
func slowGit(t *testing.T) (git, pidFile, release string) {
	t.Helper()
	dir := t.TempDir()
	pidFile, release, git = filepath.Join(dir, "pid"), filepath.Join(dir, "release"), filepath.Join(dir, "git")
	script := fmt.Sprintf("#!/bin/sh\necho $$ > %s\nwhile [ ! -e %s ]; do sleep 0.05; done\necho done\n", pidFile, release)
	if err := os.WriteFile(git, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return git, pidFile, release
}

// waitPid waits until the fake git has written its pid.
func waitPid(t *testing.T, pidFile string) int {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		var pid int
		b, _ := os.ReadFile(pidFile)
		if fmt.Sscan(string(b), &pid); pid != 0 {
			return pid
		}
	}
	t.Fatal("git did not start")
	return 0
}

// TestSSHShutdownLetsRunningCommandsFinish: Shutdown stops accepting and
// ends idle connections at once, but a running command finishes, output
// and exit status included, before Shutdown returns.
func TestSSHShutdownLetsRunningCommandsFinish(t *testing.T) {
	git, pidFile, release := slowGit(t)
	s := newSSHTestServer(t, SSHConfig{}, git)
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	busy, idle := s.client("alice"), s.client("alice")
	sess, err := busy.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	sess.Stdout = &stdout
	if err := sess.Start("git-upload-pack 'acme/payments.git'"); err != nil {
		t.Fatal(err)
	}
	waitPid(t, pidFile)

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- s.srv.Shutdown(ctx)
	}()
	idleEnded := make(chan error, 1)
	go func() { idleEnded <- idle.Wait() }()
	select {
	case <-idleEnded:
	case <-time.After(10 * time.Second):
		t.Fatal("the idle connection is still open after Shutdown began")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections after Shutdown began")
		}
	}
	if _, err := busy.NewSession(); err == nil {
		t.Error("a new session opened during Shutdown")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a command runs", err)
	default:
	}

	if err := os.WriteFile(release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sess.Wait(); err != nil || stdout.String() != "done\n" {
		t.Fatalf("the running command: err %v, stdout %q; want exit 0 and its whole output", err, stdout.String())
	}
	select {
	case err := <-shut:
		if err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return after the last command ended")
	}
}

// TestSSHShutdownKillsWhatOutlastsIt: when Shutdown's context ends first,
// the command still running is killed and Shutdown says so.
func TestSSHShutdownKillsWhatOutlastsIt(t *testing.T) {
	git, pidFile, _ := slowGit(t)
	s := newSSHTestServer(t, SSHConfig{}, git)
	s.auth.grant("alice", "acme/payments", auth.LevelRead)
	sess, err := s.client("alice").NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Start("git-upload-pack 'acme/payments.git'"); err != nil {
		t.Fatal(err)
	}
	pid := waitPid(t, pidFile)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the deadline", err)
	}
	if exec.Command("kill", "-0", fmt.Sprint(pid)).Run() == nil {
		t.Fatal("git still runs after Shutdown returned")
	}
}
