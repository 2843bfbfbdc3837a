package mirror

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jitgit/jitgit/service"
)

// okFetch registers a mirror as fetched without fetching, so that the
// scheduler makes the first real fetch one interval later.
type okFetch struct{}

func (okFetch) Fetch(context.Context, service.FetchJob) (service.FetchResult, error) {
	return service.FetchResult{}, nil
}
func (okFetch) Discard(context.Context, string) error { return nil }

// BenchmarkScheduler500 runs the real scheduler on the real clock: 500
// mirrors of one local upstream, each due every minute, max_parallel 4,
// for JITGIT_SCALE_MINUTES (default 3) minutes, with a new upstream commit
// every 20 s. It reports how late the fetches started after they were due
// (the bar: no mirror waits longer than its interval again), the
// fetches made, and the most heap in use. Run it with bench/mirror-scale.sh
// (-benchtime 1x); it takes minutes.
func BenchmarkScheduler500(b *testing.B) {
	const mirrors = 500
	minutes := 3
	if v, err := strconv.Atoi(os.Getenv("JITGIT_SCALE_MINUTES")); err == nil && v > 0 {
		minutes = v
	}
	for range b.N {
		f := newMirrorFixture(b)
		ctx := context.Background()
		url, work := f.upstream("up")
		for i := range mirrors {
			if _, err := f.svc.CreateMirror(ctx, f.admin, service.NewMirror{Name: fmt.Sprintf("mirrors/m%03d", i), Upstream: url, Every: time.Minute}, okFetch{}); err != nil {
				b.Fatal(err)
			}
		}
		m, err := NewMirrors(MirrorsConfig{Launcher: f.m.git, AllowLocal: true, MaxParallel: 4, Timeout: time.Minute, Tick: time.Second}, f.svc, f.repos, nil)
		if err != nil {
			b.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		b.ResetTimer()
		go func() { m.Run(runCtx); close(done) }()
		var heap uint64
		goroutines := 0
		end := time.Now().Add(time.Duration(minutes) * time.Minute)
		for i := 0; time.Now().Before(end); i++ {
			time.Sleep(time.Second)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heap, goroutines = max(heap, ms.HeapInuse), max(goroutines, runtime.NumGoroutine())
			if i%20 == 19 {
				f.git(work, "commit", "--quiet", "--allow-empty", "-m", "tick")
				f.git(work, "push", "--quiet", url[len("file://"):], "trunk")
			}
		}
		cancel()
		<-done
		b.StopTimer()
		st := m.Stats()
		mean := time.Duration(0)
		if st.Fetches > 0 {
			mean = st.TotalLag / time.Duration(st.Fetches)
		}
		b.ReportMetric(float64(st.Fetches), "fetches")
		b.ReportMetric(st.MaxLag.Seconds(), "max-lag-s")
		b.ReportMetric(mean.Seconds(), "mean-lag-s")
		b.ReportMetric(float64(heap)/(1<<20), "max-heap-MiB")
		b.ReportMetric(float64(goroutines), "max-goroutines")
		b.Logf("%d mirrors every 1m (first due after 1m), max_parallel 4, %d min: %d fetches (%.0f/min after the first, want %d), lag max %s mean %s, heap in use max %.1f MiB, goroutines max %d",
			mirrors, minutes, st.Fetches, float64(st.Fetches)/float64(max(minutes-1, 1)), mirrors, st.MaxLag.Round(time.Millisecond), mean.Round(time.Millisecond), float64(heap)/(1<<20), goroutines)
	}
}
