package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
)

// The repository lists and page show an archive to administrators and
// approvers, and offer no request for it; the clone URL is gone with the
// access. Others, who can read it no more, no longer see it listed.
func TestArchivedRepoPages(t *testing.T) {
	s := newStack(t, Options{})
	s.user("root", false, true)
	s.user("alice", false, false)
	s.repo("acme/old")
	s.repo("acme/live")
	ctx := context.Background()
	if _, err := s.svc.AddGrant(ctx, socket, service.NewGrant{Subject: "user:alice", Repo: "acme/old", Level: auth.LevelRead, Duration: time.Hour, Reason: "read"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.ArchiveRepo(ctx, socket, "acme/old", "replaced by acme/live"); err != nil {
		t.Fatal(err)
	}
	root, alice := s.client(), s.client()
	root.signIn("root")
	alice.signIn("alice")

	if _, body := alice.get("/repos"); strings.Contains(body, "acme/old") {
		t.Errorf("alice still sees the archive listed:\n%s", body)
	}
	_, body := root.get("/repos")
	row := body[strings.Index(body, "acme/old"):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `badge archived">archived`) || !strings.Contains(row, "no access: archived") || strings.Contains(row, "/requests/new") || strings.Contains(row, "copyable") {
		t.Errorf("repos row of an archive:\n%s", row)
	}
	_, body = root.get("/repos/acme/old")
	if !strings.Contains(body, "replaced by acme/live") || !strings.Contains(body, "Nobody has access to it") || strings.Contains(body, "/requests/new?repo=acme/old") {
		t.Errorf("repo page of an archive:\n%s", body)
	}
	res, body := root.get("/admin/repos")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "archived</span> <small>since") || !strings.Contains(body, "replaced by acme/live") {
		t.Errorf("admin repos: %d\n%s", res.StatusCode, body)
	}
}
