package e2e

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// sshdPath is where Debian's openssh-server puts the daemon; sshd wants
// to be started by its absolute path.
const sshdPath = "/usr/sbin/sshd"

// sshds are the OpenSSH servers the scripts run, by work directory.
var sshds sync.Map // string → *exec.Cmd

func init() {
	// sshd start HOSTKEY AUTHORIZED_KEYS starts OpenSSH's sshd as the
	// current user on $SSHD_PORT (chosen on the first start and kept, so a
	// restart with another host key is the same upstream), with its own
	// config: only public keys, only AUTHORIZED_KEYS. It sets SSHD_USER.
	// sshd stop stops it. A script's sshd is stopped when the script ends.
	commands["sshd"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) == 0 {
			ts.Fatalf("usage: sshd start HOSTKEY AUTHORIZED_KEYS | sshd stop")
		}
		work := ts.Getenv("WORK")
		stop := func() {
			if v, ok := sshds.LoadAndDelete(work); ok {
				cmd := v.(*exec.Cmd)
				cmd.Process.Kill()
				cmd.Wait()
			}
		}
		switch args[0] {
		case "stop":
			stop()
			return
		case "start":
			if len(args) != 3 {
				ts.Fatalf("usage: sshd start HOSTKEY AUTHORIZED_KEYS")
			}
		default:
			ts.Fatalf("sshd: unknown subcommand %q", args[0])
		}
		if _, err := os.Stat(sshdPath); err != nil {
			ts.Fatalf("sshd is missing (apt-get install openssh-server): %v", err)
		}
		stop()
		port := ts.Getenv("SSHD_PORT")
		if port == "" {
			addr, err := freePort()
			ts.Check(err)
			port = addr[strings.LastIndexByte(addr, ':')+1:]
			ts.Setenv("SSHD_PORT", port)
		}
		me, err := user.Current()
		ts.Check(err)
		ts.Setenv("SSHD_USER", me.Username)
		if os.Geteuid() == 0 {
			// sshd started as root insists on its privilege separation
			// directory, which the package's service unit would make.
			ts.Check(os.MkdirAll("/run/sshd", 0o755))
		}
		dir := filepath.Join(work, ".sshd")
		ts.Check(os.MkdirAll(dir, 0o700))
		cfg := filepath.Join(dir, "sshd_config")
		ts.Check(os.WriteFile(cfg, []byte(strings.Join([]string{
			"Port " + port,
			"ListenAddress 127.0.0.1",
			"HostKey " + ts.MkAbs(args[1]),
			"PidFile " + filepath.Join(dir, "pid"),
			"AuthorizedKeysFile " + ts.MkAbs(args[2]),
			"AllowUsers " + me.Username,
			"PermitRootLogin prohibit-password",
			"PubkeyAuthentication yes",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"UsePAM no",
			"StrictModes no",
			"LogLevel VERBOSE",
			"",
		}, "\n")), 0o600))
		ts.Check(os.Chmod(ts.MkAbs(args[1]), 0o600))
		var stderr bytes.Buffer
		cmd := exec.Command(sshdPath, "-D", "-e", "-f", cfg)
		cmd.Stderr = &stderr
		ts.Check(cmd.Start())
		sshds.Store(work, cmd)
		ts.Defer(stop)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
				c.Close()
				return
			}
			if cmd.ProcessState != nil {
				break
			}
		}
		stop()
		ts.Fatalf("sshd did not come up on port %s: %s", port, stderr.String())
	}
}
