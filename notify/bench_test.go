package notify

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/service/servicetest"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/badgerstore"
)

// BenchmarkGrantChange is one grant made and revoked, without webhooks and
// with an outbox delivering every grant event to a local receiver while
// the changes run. The outbox is not on the change's path (the change
// writes its event to the trail as it always did; the worker reads it
// later), so the two should be equal within noise; the second shows what
// a worker reading and writing its cursor beside the changes costs them.
func BenchmarkGrantChange(b *testing.B) {
	for _, onDisk := range []bool{false, true} {
		for _, withOutbox := range []bool{false, true} {
			name := "memory/no-outbox"
			if withOutbox {
				name = "memory/outbox"
			}
			if onDisk {
				name = strings.Replace(name, "memory", "disk", 1)
			}
			b.Run(name, func(b *testing.B) {
				f := servicetest.New(b)
				if onDisk {
					db, err := badgerstore.Open(b.TempDir(), badgerstore.Options{Now: f.Clock.Now})
					if err != nil {
						b.Fatal(err)
					}
					trail := audit.NewLog(db.Events(), f.Clock.Now)
					b.Cleanup(func() { trail.Close(); db.Close() })
					f = &servicetest.Fixture{DB: db, Audit: trail, Svc: service.New(db, servicetest.Dirs{}, trail, servicetest.Config(), f.Clock.Now), Clock: f.Clock, Admin: f.Admin}
					if _, err := f.Svc.CreateUser(context.Background(), f.Admin, service.NewUser{Name: "alice"}); err != nil {
						b.Fatal(err)
					}
					if _, err := f.Svc.CreateRepo(context.Background(), f.Admin, "acme/payments", ""); err != nil {
						b.Fatal(err)
					}
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if withOutbox {
					rcv := &collector{}
					srv := httptest.NewServer(rcv)
					defer srv.Close()
					ob := NewOutbox(f.DB, OutboxOptions{Receivers: []WebhookConfig{{Name: "chat", URL: srv.URL, MaxAge: time.Hour}}})
					if err := ob.Start(ctx); err != nil {
						b.Fatal(err)
					}
					f.Audit.Watch(ob.Wake)
					go ob.Run(ctx)
				}
				b.ResetTimer()
				for i := range b.N {
					g, err := f.Svc.AddGrant(ctx, f.Admin, service.NewGrant{Subject: "user:alice", Repo: "acme/payments", Level: auth.LevelRead, Duration: time.Hour, Reason: fmt.Sprint(i)})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := f.Svc.RevokeGrant(ctx, f.Admin, g.ID, "done"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkDeliver3000 delivers 3,000 events (between 3,000 decisions it
// skips) from a store on disk, with durable writes, to a local receiver:
// one op is all of them, from the first read of the trail to the last
// answer.
func BenchmarkDeliver3000(b *testing.B) {
	db, err := badgerstore.Open(b.TempDir(), badgerstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	trail := audit.NewLog(db.Events(), time.Now)
	defer trail.Close()
	r := &rig{db: db, trail: trail, clock: &testClock{t: time.Now()}}
	r.record(b, 3000)
	b.ResetTimer()
	for i := range b.N {
		rcv := &collector{}
		srv := httptest.NewServer(rcv)
		name := fmt.Sprintf("r%d", i)
		if err := db.Update(context.Background(), func(tx storage.Tx) error { return tx.Deliveries().SetCursor(name, 0) }); err != nil {
			b.Fatal(err)
		}
		ob := NewOutbox(db, OutboxOptions{Receivers: []WebhookConfig{{Name: name, URL: srv.URL, MaxAge: time.Hour}}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { ob.Run(ctx); close(done) }()
		for {
			rcv.mu.Lock()
			n := len(rcv.ids)
			rcv.mu.Unlock()
			if n >= 3000 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if f, _ := rcv.distinct(); len(f) != 3000 {
			b.Fatalf("%d distinct", len(f))
		}
		cancel()
		<-done
		srv.Close()
	}
}
