package service

import (
	"context"

	"github.com/jitgit/jitgit/storage"
)

// read runs fn in a read-only transaction and returns what it found: most
// use cases look one thing up, and a View per lookup is what the store
// costs anyway.
func read[T any](ctx context.Context, store storage.Store, fn func(storage.Tx) (T, error)) (T, error) {
	var v T
	err := store.View(ctx, func(tx storage.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}
