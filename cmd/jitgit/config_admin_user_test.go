package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// admin_user defaults to "admin", takes another name, and refuses a name
// no user could have.
func TestAdminUserConfig(t *testing.T) {
	if got := defaultConfig().AdminUser; got != "admin" {
		t.Errorf("default admin_user %q, want admin", got)
	}
	for body, want := range map[string]string{
		"admin_user = \"root\"\n":      "root",
		"admin_user = \"Bad Name\"\n":  "",
		"admin_user = \"user:root\"\n": "",
	} {
		p := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(p)
		switch {
		case want == "" && (err == nil || !strings.Contains(err.Error(), "admin_user")):
			t.Errorf("%s: err = %v, want one naming admin_user", body, err)
		case want != "" && (err != nil || cfg.AdminUser != want):
			t.Errorf("%s: %q, %v", body, cfg.AdminUser, err)
		}
	}
}
