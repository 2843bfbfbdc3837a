package service

import (
	"context"
	"slices"
	"strings"

	"github.com/jitgit/jitgit/storage"
)

// storeScanBudget bounds the stored records one page of a listing reads:
// a filter that selects few of many answers a short page, even an empty
// one, with a cursor to go on from, instead of reading them all.
const storeScanBudget = 50000

// storeChunk is how many stored records one read transaction holds.
const storeChunk = 1000

// pageOf reads records in id order after after, chunk by chunk through
// read (a store's Page), and returns at most limit that keep selects and
// the after of the next page: empty once the last stored record was read.
// It reads at most storeScanBudget records.
func pageOf[T any](ctx context.Context, store storage.Store, after string, limit int,
	read func(tx storage.Tx, after string, n int) ([]T, error), id func(*T) string, keep func(*T) bool) ([]T, string, error) {
	var out []T
	for scanned := 0; scanned < storeScanBudget; {
		chunk := min(storeChunk, storeScanBudget-scanned)
		var got []T
		err := store.View(ctx, func(tx storage.Tx) error {
			var err error
			got, err = read(tx, after, chunk)
			return err
		})
		if err != nil {
			return nil, "", err
		}
		scanned += len(got)
		for i := range got {
			after = id(&got[i])
			if keep(&got[i]) {
				out = append(out, got[i])
				if len(out) == limit {
					return out, after, nil
				}
			}
		}
		if len(got) < chunk {
			return out, "", nil
		}
	}
	return out, after, nil
}

// pageIn is pageOf for records already read whole (from an index): those
// keep selects with ids after after, in id order, cut at limit.
func pageIn[T any](all []T, after string, limit int, id func(*T) string, keep func(*T) bool) ([]T, string) {
	all = slices.DeleteFunc(all, func(v T) bool { return id(&v) <= after || !keep(&v) })
	slices.SortFunc(all, func(a, b T) int { return strings.Compare(id(&a), id(&b)) })
	if len(all) > limit {
		return all[:limit], id(&all[limit-1])
	}
	return all, ""
}
