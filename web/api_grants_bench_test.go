package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// BenchmarkListGrants lists every grant of an on-disk store of N grants,
// streamed (GET /grants) and walking pages (GET /grants/page, as the CLI
// does), and reports the peak heap in use during the listing above the
// heap before it (peak-heap-MiB) and the process's peak resident memory
// during it (peak-rss-MiB, VmHWM after resetting it). The goal: the same
// figures at 1,000,000 grants as at 1,000. JITGIT_BENCH_GRANTS
// ("1000,1000000") sets the sizes; bench/grantlist.sh runs it.
func BenchmarkListGrants(b *testing.B) {
	sizes := []int{1_000, 100_000}
	if v := os.Getenv("JITGIT_BENCH_GRANTS"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("JITGIT_BENCH_GRANTS=%q: want grant counts, comma-separated", v)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		srv, token := grantListServer(b, n)
		// Unmeasured: the compactions the fill left run now, not during
		// the listings measured.
		listGrantsOver(b, srv, token, "pages")
		for _, how := range []string{"stream", "pages"} {
			b.Run(fmt.Sprintf("%s/grants=%d", how, n), func(b *testing.B) {
				var heap, rss, anon float64
				for range b.N {
					runtime.GC()
					debug.FreeOSMemory()
					resetPeakRSS()
					base := heapInUse()
					var peak, peakAnon atomic.Uint64
					stop := sampleHeap(&peak, &peakAnon)
					got := listGrantsOver(b, srv, token, how)
					stop()
					if got != n {
						b.Fatalf("listed %d grants of %d", got, n)
					}
					heap = max(heap, float64(peak.Load()-min(base, peak.Load()))/(1<<20))
					rss = max(rss, peakRSS())
					anon = max(anon, float64(peakAnon.Load())/(1<<20))
				}
				b.ReportMetric(heap, "peak-heap-MiB")
				b.ReportMetric(rss, "peak-rss-MiB")
				b.ReportMetric(anon, "peak-anon-MiB")
			})
		}
		srv.Close()
	}
}

// grantListServer serves the API over an on-disk store holding n grants
// of 100 users, written straight through the store in batches.
func grantListServer(b *testing.B, n int) (*httptest.Server, string) {
	b.Helper()
	db, err := badgerstore.Open(b.TempDir(), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	log := audit.NewLog(db.Events(), time.Now)
	b.Cleanup(func() { log.Close(); _ = db.Close() })
	svc := service.New(db, dirRepos{b.TempDir()}, log, servicetest.Config(), time.Now)
	ctx := context.Background()
	if _, err := svc.CreateUser(ctx, socket, service.NewUser{Name: "root", Password: "root-password", Admin: true}); err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.CreateToken(ctx, socket, "root", "bench", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	const perTx = 500
	for done := 0; done < n; {
		err := db.Update(ctx, func(tx storage.Tx) error {
			for i := 0; i < perTx && done+i < n; i++ {
				g := auth.Grant{ID: secret.NewID("g_"), Subject: fmt.Sprintf("user:u%d", (done+i)%100), Repo: fmt.Sprintf("acme/r%d", (done+i)%1000),
					Level: auth.LevelRead, Starts: now, Expires: now.Add(24 * time.Hour), Reason: "listing benchmark, a reason of ordinary length",
					Origin: auth.OriginAdmin, CreatedBy: "root", Created: now}
				if err := tx.Grants().Create(g); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += perTx
	}
	h := New(Options{Service: svc, PublicURL: "http://127.0.0.1", SSHURL: "ssh://git@127.0.0.1:2222"})
	return httptest.NewServer(h), token
}

// listGrantsOver lists every grant the way how says and counts them,
// decoding one grant at a time.
func listGrantsOver(b *testing.B, srv *httptest.Server, token, how string) int {
	get := func(path string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode != 200 {
			body, _ := io.ReadAll(resp.Body)
			b.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return resp
	}
	count := 0
	if how == "stream" {
		resp := get("/api/v1/grants")
		defer resp.Body.Close()
		dec := json.NewDecoder(bufio.NewReader(resp.Body))
		if _, err := dec.Token(); err != nil {
			b.Fatal(err)
		}
		for dec.More() {
			var g api.Grant
			if err := dec.Decode(&g); err != nil {
				b.Fatal(err)
			}
			count++
		}
		return count
	}
	after := ""
	for {
		resp := get("/api/v1/grants/page?after=" + after)
		var page api.GrantPage
		err := json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		count += len(page.Grants)
		if page.Next == "" {
			return count
		}
		after = page.Next
	}
}

func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records the most heap in use into peak every millisecond,
// and the most anonymous resident memory (RssAnon: the heap and stacks,
// not the store's memory-mapped tables, which the kernel may drop) into
// anon every 10 ms, until the returned stop is called.
func sampleHeap(peak, anon *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			if h := heapInUse(); h > peak.Load() {
				peak.Store(h)
			}
			if a := rssAnon(); i%10 == 0 && a > anon.Load() {
				anon.Store(a)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// resetPeakRSS makes VmHWM start again from the resident memory now.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM in MiB, 0 where /proc does not say.
func peakRSS() float64 { return float64(procStatus("VmHWM:")) / (1 << 20) }

// rssAnon is RssAnon in bytes.
func rssAnon() uint64 { return procStatus("RssAnon:") }

// procStatus is the field of /proc/self/status in bytes, 0 where /proc
// does not say.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
