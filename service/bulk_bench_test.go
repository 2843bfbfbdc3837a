package service_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// bulkFile is a CSV bulk file of n distinct grants over users u0..u(users-1)
// and repos acme/r0..r9.
func bulkFile(n, users int) []byte {
	var b bytes.Buffer
	b.WriteString("subject,repo,access,for,reason\n")
	levels := []string{"read", "write", "admin"}
	for i := range n {
		u, rest := i%users, i/users
		fmt.Fprintf(&b, "user:u%d,acme/r%d,%s,%dh,quarterly access review INC-%d\n", u, rest%10, levels[(rest/10)%3], 1+i%48, i)
	}
	return b.Bytes()
}

// bulkService is the real service over an on-disk Badger with synchronous
// writes, as the server runs, with users u0.. and repos acme/r0..r9.
func bulkService(b *testing.B, users int) (*service.Service, func()) {
	db, err := badgerstore.Open(b.TempDir(), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	for start := 0; start < users; start += 1000 {
		err := db.Update(ctx, func(tx storage.Tx) error {
			for i := start; i < min(start+1000, users); i++ {
				if err := tx.Users().Create(auth.User{Name: fmt.Sprintf("u%d", i), Created: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	err = db.Update(ctx, func(tx storage.Tx) error {
		for i := range 10 {
			if err := tx.Repos().Create(auth.Repo{Name: fmt.Sprintf("acme/r%d", i), Created: now, CreatedBy: "admin"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	trail := audit.NewLog(db.Events(), time.Now)
	svc := service.New(db, nil, trail, service.Config{}, time.Now)
	return svc, func() { trail.Close(); db.Close() }
}

// BenchmarkBulkGrants writes a whole bulk file as one batch, with its audit
// events, on disk: 1,000 lines and 100,000 lines over 10,000 users and 10
// repositories. Each run starts from an empty store. bench/bulk.sh runs the
// same sizes through the server and the CLI.
func BenchmarkBulkGrants(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			file := bulkFile(n, min(n, 10000))
			var peak uint64
			for range b.N {
				b.StopTimer()
				svc, done := bulkService(b, 10000)
				stop := sampleHeap(&peak)
				b.StartTimer()
				res, err := svc.BulkGrants(context.Background(), auth.LocalAdmin(), bytes.NewReader(file), service.BulkOptions{})
				if err != nil || res.New != n {
					b.Fatalf("BulkGrants: %d new, %v", res.New, err)
				}
				b.StopTimer()
				stop()
				done()
				b.StartTimer()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "grants/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// sampleHeap records the largest in-use heap into peak until stop is
// called: the Go side of the server's memory during a batch.
func sampleHeap(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			if os.Getenv("BULK_HEAP_PROFILE") != "" && ms.HeapInuse >= *peak && ms.HeapInuse > 100<<20 {
				if f, err := os.Create(os.Getenv("BULK_HEAP_PROFILE")); err == nil {
					_ = pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}
