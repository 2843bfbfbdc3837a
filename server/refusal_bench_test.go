package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/service/servicetest"
)

// BenchmarkRefusedAuth is the server's cost of one failed Git HTTP
// authentication as bench/flood.sh sends them: a token-shaped wrong
// password for an unknown user, from one of 10,000 addresses in turn,
// each still under the throttle's limit, through the handler with the
// server's throttle and a text log. It is the per-failure figure of the
// flood, free of the generator's and the network's cost.
func BenchmarkRefusedAuth(b *testing.B) {
	f := servicetest.New(b)
	if _, err := f.Svc.CreateRepo(context.Background(), f.Admin, "bench/repo", "flood target"); err != nil {
		b.Fatal(err)
	}
	throttle := ratelimit.NewThrottle(30, 5*time.Minute, f.Clock.Now)
	h := NewHTTP(HTTPConfig{PublicURL: publicURL, Throttle: throttle}, f.Svc, &Repos{Root: b.TempDir()}, nil,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	const addrs = 10000
	reqs := make([]*http.Request, addrs)
	for i := range reqs {
		r := httptest.NewRequest("GET", "/bench/repo.git/info/refs?service=git-upload-pack", nil)
		cred := fmt.Sprintf("user%d:jg_%040x", i, uint64(i)*0x9e3779b97f4a7c15)
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
		r.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255)
		reqs[i] = r
	}
	w := &discardResponse{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := range b.N {
		if i%addrs == 0 && i > 0 {
			f.Clock.Advance(10 * time.Second) // each address stays under its limit
		}
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, reqs[i%addrs])
		if w.code != http.StatusUnauthorized {
			b.Fatalf("answer %d, want 401", w.code)
		}
	}
	// CPU time (user and system, every goroutine and the collector
	// included) per failure: steadier than wall time on a shared machine.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is this process's user and system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardResponse is a ResponseWriter that keeps the status only.
type discardResponse struct {
	h    http.Header
	code int
}

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardResponse) WriteHeader(code int)        { d.code = code }
