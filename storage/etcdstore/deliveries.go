package etcdstore

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/storage/record"
)

// deliveries is storage.Deliveries in one transaction.
type deliveries struct{ t *tx }

// Cursor returns the stored cursor of receiver.
func (d deliveries) Cursor(receiver string) (uint64, bool, error) {
	if err := record.CheckSegment("webhook receiver", receiver); err != nil {
		return 0, false, err
	}
	c, err := get[deliveryCursor](d.t.txn, record.CursorKey(receiver), "webhook cursor")
	if errors.Is(err, auth.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return c.Seq, true, nil
}

// SetCursor stores the cursor of receiver.
func (d deliveries) SetCursor(receiver string, seq uint64) error {
	if err := record.CheckSegment("webhook receiver", receiver); err != nil {
		return err
	}
	if err := set(d.t.txn, record.CursorKey(receiver), deliveryCursor{Seq: seq}); err != nil {
		return fmt.Errorf("webhook cursor %s: %w", receiver, err)
	}
	return nil
}

// Put stores the record of one delivery.
func (d deliveries) Put(dl storage.Delivery) error {
	if err := record.CheckSegment("webhook receiver", dl.Receiver); err != nil {
		return err
	}
	if dl.Seq == 0 {
		return fmt.Errorf("%w: delivery to %s: no event sequence number", auth.ErrInvalid, dl.Receiver)
	}
	if err := set(d.t.txn, record.DeliveryKey(dl.Receiver, dl.Seq), dl); err != nil {
		return fmt.Errorf("delivery %s:%d: %w", dl.Receiver, dl.Seq, err)
	}
	return nil
}

// Get returns the record of event seq for receiver.
func (d deliveries) Get(receiver string, seq uint64) (storage.Delivery, error) {
	if err := record.CheckSegment("webhook receiver", receiver); err != nil {
		return storage.Delivery{}, err
	}
	return get[storage.Delivery](d.t.txn, record.DeliveryKey(receiver, seq), fmt.Sprintf("delivery %s:%d", receiver, seq))
}

// List walks the records of each receiver newest first, so it reads at
// most limit records of each.
func (d deliveries) List(receiver string, status storage.DeliveryStatus, limit int) ([]storage.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	prefix := []byte(record.PrefixDelivery)
	if receiver != "" {
		if err := record.CheckSegment("webhook receiver", receiver); err != nil {
			return nil, err
		}
		prefix = record.DeliveryPrefix(receiver)
	}
	var out []storage.Delivery
	it := d.t.txn.NewIterator(iterOptions{Prefix: prefix, Reverse: true, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	// A reverse iteration starts at the last key with the prefix.
	seek := append(slices.Clone(prefix), 0xff)
	taken, current := 0, ""
	for it.Seek(seek); it.Valid(); it.Next() {
		key := it.Item().Key()
		rest := key[len(record.PrefixDelivery):]
		if len(rest) < 9 {
			continue
		}
		r := string(rest[:len(rest)-9])
		if r != current {
			current, taken = r, 0
		}
		if taken >= limit {
			continue
		}
		var dl storage.Delivery
		if err := it.Item().Value(func(b []byte) error { return decode(b, &dl) }); err != nil {
			return nil, fmt.Errorf("delivery %s:%d: %w", r, binary.BigEndian.Uint64(rest[len(rest)-8:]), err)
		}
		if status != "" && dl.Status != status {
			continue
		}
		taken++
		out = append(out, dl)
	}
	slices.SortStableFunc(out, func(a, b storage.Delivery) int {
		if c := b.Last.Compare(a.Last); c != 0 {
			return c
		}
		return cmp.Compare(b.Seq, a.Seq)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Prune removes the oldest records of receiver below before.
func (d deliveries) Prune(receiver string, before uint64, limit int) (int, error) {
	if err := record.CheckSegment("webhook receiver", receiver); err != nil {
		return 0, err
	}
	prefix := record.DeliveryPrefix(receiver)
	var keys [][]byte
	it := d.t.txn.NewIterator(iterOptions{Prefix: prefix})
	for it.Rewind(); it.Valid() && len(keys) < limit; it.Next() {
		k := it.Item().KeyCopy(nil)
		if len(k) != len(prefix)+8 || binary.BigEndian.Uint64(k[len(prefix):]) >= before {
			break
		}
		keys = append(keys, k)
	}
	it.Close()
	for _, k := range keys {
		if err := d.t.txn.Delete(k); err != nil {
			return 0, fmt.Errorf("prune deliveries of %s: %w", receiver, err)
		}
	}
	return len(keys), nil
}
