package service_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/service"
)

// A mirror whose fetches failed and then succeed again records one
// mirror.recover, saying how many failed and the last error; a fetch that
// succeeds after a success records none.
func TestMirrorRecoverRecordedOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fe := &fetcher{}
	if _, err := f.Svc.CreateMirror(ctx, f.Admin, service.NewMirror{Name: "mirrors/flaky", Upstream: "https://example.com/x.git"}, fe); err != nil {
		t.Fatal(err)
	}
	sync := func() {
		t.Helper()
		f.Clock.Advance(time.Hour)
		if _, err := f.Svc.SyncMirror(ctx, f.Admin, "mirrors/flaky", fe); (err == nil) != (fe.err == nil) {
			t.Fatalf("sync: %v", err)
		}
	}
	recoveries := func() []string {
		var out []string
		for _, e := range trail(t, f) {
			if strings.HasPrefix(e, "mirror.recover ") {
				out = append(out, e)
			}
		}
		return out
	}
	sync()
	if r := recoveries(); len(r) != 0 {
		t.Fatalf("success after success: %q", r)
	}
	fe.err = errors.New("upstream unreachable")
	sync()
	sync()
	sync()
	if r := recoveries(); len(r) != 0 {
		t.Fatalf("while failing: %q", r)
	}
	fe.err = nil
	sync()
	r := recoveries()
	if len(r) != 1 || !strings.Contains(r[0], "after 3 failed fetches") || !strings.Contains(r[0], "without a fetch for 4h") || !strings.Contains(r[0], "upstream unreachable") {
		t.Fatalf("recovered: %q", r)
	}
	sync()
	if r := recoveries(); len(r) != 1 {
		t.Fatalf("a second success recorded another recovery: %q", r)
	}
}
