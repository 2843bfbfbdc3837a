package server

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
)

// TestSSHGreetingMarksGrantsEndingSoon: a grant within the lead of its end
// is marked with where to extend it; one further away is not.
func TestSSHGreetingMarksGrantsEndingSoon(t *testing.T) {
	s := newSSHTestServer(t, SSHConfig{ExpiringSoon: 10 * time.Minute}, "")
	s.auth.Grant(t, auth.UserPrincipal("alice"), "acme/payments", auth.LevelWrite, 5*time.Minute)
	s.auth.Grant(t, auth.UserPrincipal("alice"), "acme/web", auth.LevelRead, 90*time.Minute)
	sess, err := s.client("alice").NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out bytes.Buffer
	sess.Stdout = &out
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	sess.Wait()
	var marked []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "ending soon") {
			marked = append(marked, l)
		}
	}
	if len(marked) != 1 || !strings.Contains(marked[0], "acme/payments") || !strings.Contains(marked[0], "/requests/new?repo=acme/payments&access=write") {
		t.Fatalf("lines marked ending soon: %q\n%s", marked, out.String())
	}
}
