package storagetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// testDeliveries: a cursor is absent until set and then reads back; a
// delivery record reads back exactly, is replaced by a Put of the same
// receiver and event, lists newest first per receiver and status, and is
// pruned oldest first below a sequence number.
func testDeliveries(t *testing.T, s storage.Store) {
	type cursor struct {
		seq uint64
		ok  bool
	}
	c := get(t, s, func(tx storage.Tx) (cursor, error) {
		seq, ok, err := tx.Deliveries().Cursor("chat")
		return cursor{seq, ok}, err
	})
	if c.ok || c.seq != 0 {
		t.Fatalf("Cursor of a new receiver = %+v, want none", c)
	}
	update(t, s, func(tx storage.Tx) error { return tx.Deliveries().SetCursor("chat", 42) })
	c = get(t, s, func(tx storage.Tx) (cursor, error) {
		seq, ok, err := tx.Deliveries().Cursor("chat")
		return cursor{seq, ok}, err
	})
	if !c.ok || c.seq != 42 {
		t.Fatalf("Cursor = %+v, want 42", c)
	}
	if err := s.Update(ctx, func(tx storage.Tx) error { return tx.Deliveries().SetCursor("a/b", 1) }); !errors.Is(err, auth.ErrInvalid) {
		t.Fatalf("SetCursor(a/b) = %v, want ErrInvalid", err)
	}

	want := storage.Delivery{Receiver: "chat", Seq: 3, Action: "grant.create", Status: storage.DeliveryRetrying,
		Attempts: 2, First: base, Last: base.Add(time.Second), Code: 503, Error: "receiver answered 503"}
	update(t, s, func(tx storage.Tx) error {
		for seq := uint64(1); seq <= 5; seq++ {
			d := want
			d.Seq, d.Status, d.Last = seq, storage.DeliveryDelivered, base.Add(time.Duration(seq)*time.Second)
			if seq == 3 {
				d = want
			}
			if err := tx.Deliveries().Put(d); err != nil {
				return err
			}
		}
		return tx.Deliveries().Put(storage.Delivery{Receiver: "ops", Seq: 4, Action: "grant.revoke", Status: storage.DeliveryFailed, Last: base})
	})
	got := get(t, s, func(tx storage.Tx) (storage.Delivery, error) { return tx.Deliveries().Get("chat", 3) })
	if !reflect.DeepEqual(got, want) && !equalDelivery(got, want) {
		t.Fatalf("Get = %+v, want %+v", got, want)
	}
	if _, err := view(s, func(tx storage.Tx) (storage.Delivery, error) { return tx.Deliveries().Get("chat", 9) }); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get of a missing delivery = %v, want ErrNotFound", err)
	}
	list := func(receiver string, status storage.DeliveryStatus, limit int) []uint64 {
		ds := get(t, s, func(tx storage.Tx) ([]storage.Delivery, error) { return tx.Deliveries().List(receiver, status, limit) })
		var seqs []uint64
		for _, d := range ds {
			seqs = append(seqs, d.Seq)
		}
		return seqs
	}
	if got := list("chat", "", 10); !reflect.DeepEqual(got, []uint64{5, 4, 2, 3, 1}) {
		t.Errorf("List(chat) = %v, want by last attempt, newest first: 5 4 2 3 1", got)
	}
	if got := list("chat", "", 2); !reflect.DeepEqual(got, []uint64{5, 4}) {
		t.Errorf("List(chat, limit 2) = %v, want 5 4", got)
	}
	if got := list("chat", storage.DeliveryRetrying, 10); !reflect.DeepEqual(got, []uint64{3}) {
		t.Errorf("List(chat, retrying) = %v, want 3", got)
	}
	if got := list("", storage.DeliveryFailed, 10); !reflect.DeepEqual(got, []uint64{4}) {
		t.Errorf("List(any, failed) = %v, want ops's 4", got)
	}
	if got := list("", "", 10); len(got) != 6 {
		t.Errorf("List(any) = %v, want all six", got)
	}
	var n int
	update(t, s, func(tx storage.Tx) error {
		var err error
		n, err = tx.Deliveries().Prune("chat", 4, 2)
		return err
	})
	if n != 2 {
		t.Errorf("Prune(chat, 4, limit 2) removed %d, want 2", n)
	}
	if got := list("chat", "", 10); !reflect.DeepEqual(got, []uint64{5, 4, 3}) {
		t.Errorf("after Prune, List(chat) = %v, want 5 4 3", got)
	}
	if got := list("ops", "", 10); !reflect.DeepEqual(got, []uint64{4}) {
		t.Errorf("Prune of chat touched ops: %v", got)
	}
}

// equalDelivery compares times as instants.
func equalDelivery(a, b storage.Delivery) bool {
	if !a.First.Equal(b.First) || !a.Last.Equal(b.Last) || !a.Delivered.Equal(b.Delivered) {
		return false
	}
	a.First, a.Last, a.Delivered = b.First, b.Last, b.Delivered
	return a == b
}
