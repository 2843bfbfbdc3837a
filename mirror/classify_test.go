package mirror

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jitgit/jitgit/service"
)

func TestClassifyFailures(t *testing.T) {
	for stderr, want := range map[string]string{
		"fatal: could not read Username for 'https://git.example.com': terminal prompts disabled":                 "authentication failed: ",
		"git@git.example.com: Permission denied (publickey).\nfatal: Could not read from remote repository.":      "authentication failed: ",
		"fatal: unable to access 'https://x/': The requested URL returned error: 403":                             "authentication failed: ",
		"ssh: connect to host 127.0.0.1 port 1: Connection refused":                                               "upstream unreachable: ",
		"fatal: unable to access 'https://nowhere.invalid/x.git/': Could not resolve host: nowhere.invalid":       "upstream unreachable: ",
		"fatal: '/srv/x.git' does not appear to be a git repository":                                              "upstream repository not found: ",
		"@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.": "host key changed: ",
		"fatal: early EOF": "fetch failed: ",
	} {
		err := classify(context.Background(), errors.New("git fetch (exit status 128): "+stderr))
		if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), stderr) {
			t.Errorf("%q:\n got %q\nwant it to start with %q and keep git's words", stderr, err, want)
		}
		if want == "host key changed: " && !errors.Is(err, service.ErrHostKeyChanged) {
			t.Errorf("%q: not ErrHostKeyChanged", stderr)
		}
	}
}
