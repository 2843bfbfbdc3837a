package service

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/jitgit/jitgit/auth"
)

// maxHostKeys bounds the keys pinned for one upstream.
const maxHostKeys = 16

// NormalizeHostKeys checks SSH host keys an administrator pins, one per
// line as "type base64 [comment]" (a known_hosts line with its host
// names, or a .pub file), and returns them as "type base64" lines.
func NormalizeHostKeys(raw string) (string, error) {
	var out []string
	for i, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		// A known_hosts line starts with its host names: skip to the type.
		for len(fields) > 2 && !strings.HasPrefix(fields[0], "ssh-") && !strings.HasPrefix(fields[0], "ecdsa-") && !strings.HasPrefix(fields[0], "sk-") {
			fields = fields[1:]
		}
		if len(fields) < 2 {
			return "", fmt.Errorf("%w: host key line %d: want \"TYPE BASE64\" as in the upstream's /etc/ssh/ssh_host_*_key.pub", auth.ErrInvalid, i+1)
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(fields[0] + " " + fields[1]))
		if err != nil {
			return "", fmt.Errorf("%w: host key line %d: %v", auth.ErrInvalid, i+1, err)
		}
		out = append(out, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))))
	}
	if len(out) == 0 {
		return "", fmt.Errorf("%w: no host key given", auth.ErrInvalid)
	}
	if len(out) > maxHostKeys {
		return "", fmt.Errorf("%w: more than %d host keys", auth.ErrInvalid, maxHostKeys)
	}
	return strings.Join(out, "\n"), nil
}

// HostKeyFingerprints returns the SHA256 fingerprints of host keys as
// NormalizeHostKeys gives them, comma-separated, for messages and the
// audit trail.
func HostKeyFingerprints(keys string) string {
	var out []string
	for _, line := range strings.Split(keys, "\n") {
		if pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
			out = append(out, pub.Type()+" "+ssh.FingerprintSHA256(pub))
		}
	}
	return strings.Join(out, ", ")
}
