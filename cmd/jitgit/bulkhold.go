//go:build !jitgit_testclock

package main

import (
	"github.com/jitgit/jitgit/storage"
)

// bulkStore is the store the service writes batches through: the
// database itself in this build (bulkhold_testclock.go has the test one).
func bulkStore(db storage.Store, _ string) storage.Store { return db }
