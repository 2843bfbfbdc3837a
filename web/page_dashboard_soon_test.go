package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// TestDashboardMarksGrantsEndingSoon: a grant within the warning lead of
// its end is marked "ending soon"; one further away is not.
func TestDashboardMarksGrantsEndingSoon(t *testing.T) {
	s := newStack(t, Options{})
	s.user("alice", false, false)
	s.repo("acme/app")
	s.repo("acme/web")
	for repo, d := range map[string]time.Duration{"acme/app": 5 * time.Minute, "acme/web": 2 * time.Hour} {
		if _, err := s.svc.AddGrant(context.Background(), socket, service.NewGrant{Subject: "user:alice", Repo: repo, Level: auth.LevelRead, Duration: d, Reason: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	alice := s.client()
	alice.signIn("alice")
	_, body := alice.get("/")
	if strings.Count(body, "ending soon</span>") != 1 {
		t.Fatalf("want one grant marked ending soon:\n%s", body)
	}
	i := strings.Index(body, "ending-soon\" id=\"grant-")
	if i < 0 || !strings.Contains(body[i:i+400], "acme/app") {
		t.Errorf("the grant marked is not acme/app's")
	}
}
