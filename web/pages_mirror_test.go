package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

func TestMirrorStatusPages(t *testing.T) {
	fe := &fakeFetcher{}
	s := newStack(t, Options{Mirrors: fe})
	s.user("root", false, true)
	s.user("alice", false, false)
	ctx := context.Background()
	if _, err := s.svc.CreateMirror(ctx, socket, service.NewMirror{Name: "mirrors/ok", Upstream: "https://bot:s3cret@git.example.com/ok.git", Every: 30 * time.Minute}, fe); err != nil {
		t.Fatal(err)
	}
	fe.mu.Lock()
	fe.err = errors.New("authentication failed: git fetch (exit status 128): fatal: could not read Username")
	fe.mu.Unlock()
	if _, err := s.svc.CreateMirror(ctx, socket, service.NewMirror{Name: "mirrors/bad", Upstream: "https://git.example.com/bad.git"}, fe); err != nil {
		t.Fatal(err)
	}
	s.repo("acme/plain")
	if _, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: "user:alice", Repo: "mirrors/ok", Level: auth.LevelRead, Duration: time.Hour, Reason: "read"}); err != nil {
		t.Fatal(err)
	}
	root, alice := s.client(), s.client()
	root.signIn("root")
	alice.signIn("alice")

	res, body := root.get("/admin/repos")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin repos: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{"mirrors/ok", "https://bot:***@git.example.com/ok.git", "30m", "mirrors/bad", "authentication failed", "never",
		"backoff, 1 failed", "acme/plain", "hosted here"} {
		if !strings.Contains(body, want) {
			t.Errorf("admin repos page lacks %q", want)
		}
	}
	if strings.Contains(body, "s3cret") {
		t.Error("the admin page shows the upstream's password")
	}
	if res, _ := alice.get("/admin/repos"); res.StatusCode != http.StatusForbidden {
		t.Errorf("alice GET /admin/repos: %d, want 403", res.StatusCode)
	}

	_, body = alice.get("/repos/mirrors/ok")
	for _, want := range []string{"Mirror status", "fetched every 30m", "Last success", "the served copy is", "1 refs changed"} {
		if !strings.Contains(body, want) {
			t.Errorf("repo page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "s3cret") {
		t.Error("the repo page shows the upstream's password")
	}
	_, body = root.get("/repos/mirrors/bad")
	if !strings.Contains(body, "authentication failed") || !strings.Contains(body, "never: nothing is served yet") {
		t.Errorf("failing mirror page:\n%s", body)
	}
	if _, body = root.get("/repos/acme/plain"); strings.Contains(body, "Mirror status") {
		t.Error("a plain repository shows a mirror status")
	}
}
