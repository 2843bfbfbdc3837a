package main

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The embedded default protects what config.example.toml protects; a file
// with its own [[protect]] list replaces it, and `protect = []` empties it.
func TestDefaultProtections(t *testing.T) {
	example, err := loadConfig("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	if def := defaultConfig().Protections; !reflect.DeepEqual(def, example.Protections) || len(def) != 2 {
		t.Errorf("embedded rules %+v, example's %+v", def, example.Protections)
	}
	for _, c := range []struct {
		file string
		ids  []string
	}{
		{"log_level = \"info\"\n", []string{"default-branch", "tags"}},
		{"protect = []\n", nil},
		{"[[protect]]\nid = \"release\"\nrepo = \"acme/*\"\nref = \"refs/heads/release/*\"\nforbid = [\"delete\"]\n", []string{"release"}},
	} {
		p := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(p, []byte(c.file), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(p)
		if err != nil {
			t.Fatalf("%q: %v", c.file, err)
		}
		var ids []string
		for _, pr := range cfg.Protections {
			ids = append(ids, pr.ID)
		}
		if !reflect.DeepEqual(ids, c.ids) {
			t.Errorf("%q: rules %v, want %v", c.file, ids, c.ids)
		}
	}
}
