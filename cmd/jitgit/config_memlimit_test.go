package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memory_limit_mib is none by default, taken when sensible, and refused
// with its bounds when not.
func TestMemoryLimitConfig(t *testing.T) {
	if got := defaultConfig().MemoryLimitMiB; got != 0 {
		t.Errorf("default memory_limit_mib %d, want 0", got)
	}
	for body, want := range map[string]int64{
		"memory_limit_mib = 170\n":     170,
		"memory_limit_mib = 0\n":       0,
		"memory_limit_mib = -1\n":      -1,
		"memory_limit_mib = 10\n":      -1,
		"memory_limit_mib = \"170\"\n": -1,
	} {
		p := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(p)
		switch {
		case want < 0 && (err == nil || !strings.Contains(err.Error(), "memory_limit_mib")):
			t.Errorf("%s: err = %v, want one naming memory_limit_mib", body, err)
		case want >= 0 && (err != nil || cfg.MemoryLimitMiB != want):
			t.Errorf("%s: %d, %v", body, cfg.MemoryLimitMiB, err)
		}
	}
}
