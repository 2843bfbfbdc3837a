package main

import (
	"log/slog"
	"os"
	"runtime/debug"
)

// maxMemoryLimitMiB bounds memory_limit_mib: a terabyte.
const maxMemoryLimitMiB = 1 << 20

// applyMemoryLimit gives the Go runtime the soft memory limit of
// memory_limit_mib (0: none), unless GOMEMLIMIT is set, which wins as it
// does for every Go program. The collector then works harder as the heap
// nears the limit instead of letting it grow to twice what is live; it
// never fails an allocation, and gives up at half the CPU.
func applyMemoryLimit(mib int64, log *slog.Logger) {
	if mib <= 0 {
		return
	}
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info("memory_limit_mib ignored: GOMEMLIMIT is set", "GOMEMLIMIT", v)
		return
	}
	debug.SetMemoryLimit(mib << 20)
}
