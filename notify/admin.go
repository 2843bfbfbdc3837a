package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jitgit/jitgit/api"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage"
)

// maxListed bounds one listing of deliveries.
const maxListed = 1000

// Deliveries returns up to limit delivery records, newest first: of
// receiver (every one when empty), and only the failed and retrying ones
// when failed is set.
func (ob *Outbox) Deliveries(ctx context.Context, receiver string, failed bool, limit int) ([]api.Delivery, error) {
	if limit <= 0 || limit > maxListed {
		limit = maxListed
	}
	if receiver != "" && ob.worker(receiver) == nil {
		return nil, fmt.Errorf("%w: no webhook receiver %q is configured (receivers: %s)", auth.ErrNotFound, receiver, strings.Join(ob.Receivers(), ", "))
	}
	var ds []storage.Delivery
	err := ob.store.View(ctx, func(tx storage.Tx) error {
		statuses := []storage.DeliveryStatus{""}
		if failed {
			statuses = []storage.DeliveryStatus{storage.DeliveryFailed, storage.DeliveryRetrying}
		}
		for _, st := range statuses {
			got, err := tx.Deliveries().List(receiver, st, limit)
			if err != nil {
				return err
			}
			ds = append(ds, got...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	out := make([]api.Delivery, 0, len(ds))
	for _, d := range ds {
		v := api.Delivery{ID: fmt.Sprintf("%s:%d", d.Receiver, d.Seq), Receiver: d.Receiver, Seq: d.Seq, Action: d.Action,
			Status: string(d.Status), Attempts: d.Attempts, First: d.First, Last: d.Last, Delivered: d.Delivered, Code: d.Code, Error: d.Error}
		out = append(out, v)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Redeliver asks for the delivery id ("receiver:seq") to be sent again:
// its record is marked and the receiver's worker sends it once more,
// before what is behind its cursor.
func (ob *Outbox) Redeliver(ctx context.Context, id string) error {
	receiver, s, ok := strings.Cut(id, ":")
	seq, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil || seq == 0 {
		return fmt.Errorf("%w: delivery id %q: use RECEIVER:SEQ as webhook deliveries lists it", auth.ErrInvalid, id)
	}
	w := ob.worker(receiver)
	if w == nil {
		return fmt.Errorf("%w: no webhook receiver %q is configured", auth.ErrNotFound, receiver)
	}
	err = ob.store.Update(ctx, func(tx storage.Tx) error {
		d, err := tx.Deliveries().Get(receiver, seq)
		if err != nil {
			return err
		}
		d.Status = storage.DeliveryRedeliver
		return tx.Deliveries().Put(d)
	})
	if err != nil {
		return fmt.Errorf("redeliver %s: %w", id, err)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

func (ob *Outbox) worker(name string) *worker {
	for _, w := range ob.current() {
		if w.h.Name == name {
			return w
		}
	}
	return nil
}
