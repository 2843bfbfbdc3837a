package server

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// flakyListener fails its first fails Accepts with err, then accepts.
type flakyListener struct {
	net.Listener
	fails atomic.Int32
	err   error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, l.err
	}
	return l.Listener.Accept()
}

func startSSHOn(t *testing.T, wrap func(net.Listener) net.Listener) (*sshTestServer, chan error) {
	t.Helper()
	hs := newTestServer(t, HTTPConfig{}, "")
	s := &sshTestServer{testServer: hs, keys: map[string]ssh.Signer{}}
	key, _, err := LoadHostKey(filepath.Join(t.TempDir(), HostKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	s.srv, err = NewSSH(SSHConfig{HostKey: key, PublicURL: publicURL}, s.auth.Svc, hs.run, hs.repos, slog.New(slog.NewTextHandler(testWriter{t}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(wrap(ln)) }()
	t.Cleanup(func() { s.srv.Close() })
	return s, done
}

// TestSSHAcceptSurvivesFDExhaustion: "too many open files" from accept is
// waited out; SSH serves again once descriptors are free.
func TestSSHAcceptSurvivesFDExhaustion(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	s, done := startSSHOn(t, func(ln net.Listener) net.Listener {
		fl := &flakyListener{Listener: ln, err: emfile}
		fl.fails.Store(5)
		return fl
	})
	c, err := s.dial(ssh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil }))
	if err != nil {
		t.Fatalf("SSH after five EMFILE accepts: %v", err)
	}
	c.Close()
	select {
	case err := <-done:
		t.Fatalf("Serve returned: %v", err)
	default:
	}
}

// TestSSHAcceptDiesLoudly: an accept error that does not pass ends Serve
// with the error, so the lifecycle stops the whole server rather than run
// without SSH.
func TestSSHAcceptDiesLoudly(t *testing.T) {
	_, done := startSSHOn(t, func(ln net.Listener) net.Listener {
		fl := &flakyListener{Listener: ln, err: errors.New("listener broke")}
		fl.fails.Store(1)
		return fl
	})
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "listener broke") {
			t.Fatalf("Serve returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still running after its listener broke")
	}
}
