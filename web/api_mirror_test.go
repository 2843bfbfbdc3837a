package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/service"
)

// fakeFetcher is a MirrorFetcher that fails while err is set.
type fakeFetcher struct {
	mu  sync.Mutex
	err error
}

func (f *fakeFetcher) Fetch(context.Context, service.FetchJob) (service.FetchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return service.FetchResult{Updated: 1}, f.err
}

func (f *fakeFetcher) Discard(context.Context, string) error { return nil }

func TestAPIMirrors(t *testing.T) {
	fe := &fakeFetcher{}
	s := newStack(t, Options{Mirrors: fe})
	s.user("alice", false, false)
	s.user("root", false, true)
	alice, root := s.token("alice"), s.token("root")
	var e struct{ Error string }
	var r api.Repo

	body := `{"name":"mirrors/infra","mirror":"https://bot:s3cret@git.example.com/infra.git","every":"30m"}`
	if st := s.apiCall(alice, "POST", "/api/v1/repos", body, &e); st != http.StatusForbidden {
		t.Fatalf("non-admin create: %d %s", st, e.Error)
	}
	for _, bad := range []string{
		`{"name":"mirrors/infra","mirror":"ext::sh -c id"}`,
		`{"name":"mirrors/infra","mirror":"https://git.example.com/x.git","every":"30s"}`,
		`{"name":"mirrors/infra","every":"1h"}`,
	} {
		if st := s.apiCall(root, "POST", "/api/v1/repos", bad, &e); st != http.StatusBadRequest {
			t.Errorf("%s: %d %s", bad, st, e.Error)
		}
	}
	if st := s.apiCall(root, "POST", "/api/v1/repos", body, &r); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	if r.Mirror != "https://bot:***@git.example.com/infra.git" || r.SyncResult != "ok" || r.Every.Minutes() != 30 {
		t.Fatalf("created %+v", r)
	}

	if st := s.apiCall(alice, "POST", "/api/v1/repos/mirrors/infra/sync", "", &e); st != http.StatusForbidden {
		t.Fatalf("non-admin sync: %d", st)
	}
	fe.mu.Lock()
	fe.err = errors.New("fatal: could not read from https://bot:s3cret@git.example.com/infra.git")
	fe.mu.Unlock()
	if st := s.apiCall(root, "POST", "/api/v1/repos/mirrors/infra/sync", "", &e); st != http.StatusBadGateway || strings.Contains(e.Error, "s3cret") {
		t.Fatalf("failed sync: %d %s", st, e.Error)
	}
	var rs []api.Repo
	s.apiCall(root, "GET", "/api/v1/repos", "", &rs)
	if len(rs) != 1 || rs[0].SyncResult != "error" || strings.Contains(rs[0].SyncError+rs[0].Mirror, "s3cret") {
		t.Fatalf("listed %+v", rs)
	}
	if st := s.apiCall(root, "POST", "/api/v1/repos/mirrors/nope/sync", "", &e); st != http.StatusNotFound {
		t.Fatalf("sync of a missing repo: %d", st)
	}
}
