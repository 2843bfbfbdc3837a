package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExampleConfigLoads(t *testing.T) {
	cfg, err := loadConfig("../../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	def := defaultConfig()
	if cfg.HTTP != def.HTTP || cfg.Auth.MaxGrant != 7*24*time.Hour || cfg.SSHLimits.IdleTimeout != 10*time.Minute ||
		cfg.Mirrors != def.Mirrors || cfg.Auth.AllowLocalMirrors || cfg.ShutdownGrace != def.ShutdownGrace {
		t.Errorf("example config differs from the defaults it documents: %+v", cfg)
	}
	if len(cfg.Policies) != 5 {
		t.Errorf("policies: %d, want 5", len(cfg.Policies))
	}
}

func TestMirrorsConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte("[mirrors]\nallow_local = true\nmax_parallel = 4\nfetch_timeout = \"30m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Mirrors.AllowLocal || !cfg.Auth.AllowLocalMirrors || cfg.Mirrors.MaxParallel != 4 || cfg.Mirrors.FetchTimeout != 30*time.Minute {
		t.Errorf("mirrors config: %+v", cfg.Mirrors)
	}
}

func TestShutdownGraceConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte("shutdown_grace = \"2m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ShutdownGrace != 2*time.Minute {
		t.Errorf("shutdown_grace: %s, want 2m", cfg.ShutdownGrace)
	}
	if def := defaultConfig().ShutdownGrace; def != 30*time.Second {
		t.Errorf("default shutdown_grace: %s, want 30s", def)
	}
}

func TestBadConfigRefused(t *testing.T) {
	for name, body := range map[string]string{
		"unknown key":         "htp = \"x\"\n",
		"typo in section":     "[limits]\nmax_grants = \"7d\"\n",
		"bad duration":        "[limits]\nmax_grant = \"seven days\"\n",
		"zero duration":       "[limits]\nmax_grant = \"0s\"\n",
		"negative approvals":  "[limits]\napprovals = -1\n",
		"default over max":    "[limits]\nmax_grant = \"1h\"\ndefault_request = \"2h\"\n",
		"policy without id":   "[[policy]]\nsubjects = [\"anyone\"]\nrepos = [\"a/*\"]\naccess = \"read\"\n",
		"policy bad subject":  "[[policy]]\nid = \"p\"\nsubjects = [\"everyone\"]\nrepos = [\"a/*\"]\naccess = \"read\"\n",
		"policy bad repo":     "[[policy]]\nid = \"p\"\nsubjects = [\"anyone\"]\nrepos = [\"../*\"]\naccess = \"read\"\n",
		"policy says nothing": "[[policy]]\nid = \"p\"\nsubjects = [\"anyone\"]\nrepos = [\"a/*\"]\n",
		"policy bad effect":   "[[policy]]\nid = \"p\"\neffect = \"maybe\"\nsubjects = [\"anyone\"]\nrepos = [\"a/*\"]\naccess = \"read\"\n",
		"auto admin":          "[[policy]]\nid = \"p\"\nsubjects = [\"anyone\"]\nrepos = [\"a/*\"]\nauto_max = \"1h\"\nauto_access = \"admin\"\n",
		"auto beyond max":     "[[policy]]\nid = \"p\"\nsubjects = [\"anyone\"]\nrepos = [\"a/*\"]\nauto_max = \"8d\"\nauto_access = \"read\"\n",
		"not toml":            "this is not toml",
		"tls cert alone":      "tls_cert = \"/x.pem\"\n",
		"bad proxy":           "trusted_proxies = [\"10.0.0.0/33\"]\n",
		"webhook ftp":         "[[webhook]]\nurl = \"ftp://x/y\"\n",
		"webhook credentials": "[[webhook]]\nurl = \"https://u:p@x/y\"\n",
		"webhook unknown key": "[[webhook]]\nurl = \"https://x/y\"\nsecrets = \"s\"\n",
		"mirrors typo":        "[mirrors]\nallow_locals = true\n",
		"mirrors parallel":    "[mirrors]\nmax_parallel = -1\n",
		"mirrors timeout":     "[mirrors]\nfetch_timeout = \"soon\"\n",
		"zero grace":          "shutdown_grace = \"0s\"\n",
		"grace over an hour":  "shutdown_grace = \"2h\"\n",
		"grace as a number":   "shutdown_grace = 30\n",
	} {
		p := filepath.Join(t.TempDir(), "c.toml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := loadConfig(p); err == nil || !strings.Contains(err.Error(), "c.toml") && !strings.Contains(err.Error(), "policy") {
			t.Errorf("%s: err = %v, want a clear error", name, err)
		}
	}
}

func TestBadProtectEntriesRefused(t *testing.T) {
	const good = "[[protect]]\nid = \"default-branch\"\nrepo = \"*\"\nref = \"refs/heads/main\"\nforbid = [\"force\", \"delete\"]\n\n"
	for name, tc := range map[string]struct{ body, want string }{
		"unknown key": {good + "[[protect]]\nid = \"tags\"\nrepo = \"*\"\nref = \"refs/tags/*\"\nforbids = [\"force\"]\n",
			`protect 2 (tags, line 7): unknown key "forbids"; a protection rule has id, description, repo, ref, forbid`},
		"invalid ref pattern": {good + "[[protect]]\nid = \"everything\"\nrepo = \"*\"\nref = \"refs/*\"\nforbid = [\"force\"]\n",
			`protect 2 (everything, line 7): protection rule "everything": `},
		"ref outside refs/": {"[[protect]]\nid = \"main\"\nrepo = \"*\"\nref = \"main\"\nforbid = [\"force\"]\n",
			`protect 1 (main, line 1): protection rule "main": `},
		"unknown change name": {good + "[[protect]]\nid = \"tags\"\nrepo = \"*\"\nref = \"refs/tags/*\"\nforbid = [\"rewrite\"]\n",
			`protect 2 (tags, line 7): forbid: invalid: ref change "rewrite": use force, delete, create or update`},
		"forbids nothing": {"[[protect]]\nid = \"main\"\nrepo = \"*\"\nref = \"refs/heads/main\"\n",
			`protect 1 (main, line 1): invalid: protection rule "main": forbids nothing`},
		"duplicate id": {good + "# again\n[[protect]]\nid = \"default-branch\"\nrepo = \"acme/*\"\nref = \"refs/heads/release/*\"\nforbid = [\"delete\"]\n",
			`protect 2 (default-branch, line 8): invalid: id "default-branch" is already protect 1 (default-branch, line 1); give each rule its own id`},
		"no id": {"[[protect]]\nrepo = \"*\"\nref = \"refs/heads/main\"\nforbid = [\"force\"]\n",
			`protect 1 (line 1): invalid: protection rule id ""`},
		"bad repo pattern": {"[[protect]]\nid = \"main\"\nrepo = \"../*\"\nref = \"refs/heads/main\"\nforbid = [\"force\"]\n",
			`protect 1 (main, line 1): protection rule "main": `},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(p)
			if err == nil || !strings.HasPrefix(err.Error(), "config "+p+": "+tc.want) {
				t.Fatalf("err = %v\nwant it to start with config %s: %s", err, p, tc.want)
			}
		})
	}
}
