package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func loadText(t *testing.T, body string) (Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "jitgit.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return loadConfig(p)
}

func TestStoreConfig(t *testing.T) {
	cfg, err := loadText(t, "")
	if err != nil || cfg.Store.Backend != "badger" || cfg.Repos != "" {
		t.Fatalf("default store = %+v, repos %q, %v", cfg.Store, cfg.Repos, err)
	}
	cfg, err = loadText(t, `repos = "/srv/git"
[store]
backend = "etcd"
endpoints = ["https://etcd1:2379", "https://etcd2:2379"]
prefix = "/acme/jitgit/"
tls_cert = "c.pem"
tls_key = "k.pem"
tls_ca = "ca.pem"
request_timeout = "2s"
max_txn_ops = 1024
`)
	if err != nil {
		t.Fatal(err)
	}
	want := StoreConfig{Backend: "etcd", Endpoints: []string{"https://etcd1:2379", "https://etcd2:2379"}, Prefix: "/acme/jitgit/",
		TLSCert: "c.pem", TLSKey: "k.pem", TLSCA: "ca.pem", DialTimeout: 5 * time.Second, RequestTimeout: 2 * time.Second, MaxTxnOps: 1024}
	if !reflect.DeepEqual(cfg.Store, want) || cfg.Repos != "/srv/git" {
		t.Fatalf("store = %+v, repos %q", cfg.Store, cfg.Repos)
	}
}

func TestBadStoreConfigRefused(t *testing.T) {
	etcd := "[store]\nbackend = \"etcd\"\nendpoints = [\"http://127.0.0.1:2379\"]\n"
	for _, tc := range []struct{ body, key string }{
		{"[store]\nbackend = \"postgres\"\n", "store.backend"},
		{"[store]\nbackend = \"etcd\"\n", "store.endpoints"},
		{"[store]\nendpoints = [\"http://a:2379\"]\n", "store.endpoints is only for"},
		{"[store]\nbackend = \"etcd\"\nendpoints = [\"etcd1:2379\"]\n", "store.endpoints[0]"},
		{"[store]\nbackend = \"etcd\"\nendpoints = [\"ftp://etcd1:2379\"]\n", "store.endpoints[0]"},
		{etcd + "prefix = \"jitgit\"\n", "store.prefix"},
		{etcd + "prefix = \"/a b/\"\n", "store.prefix"},
		{etcd + "tls_cert = \"c.pem\"\n", "store.tls_cert and store.tls_key"},
		{etcd + "request_timeout = \"soon\"\n", "store.request_timeout"},
		{etcd + "dial_timeout = \"-1s\"\n", "store.dial_timeout"},
		{etcd + "max_txn_ops = 3\n", "store.max_txn_ops"},
		{etcd + "wat = 1\n", "store.wat"},
	} {
		_, err := loadText(t, tc.body)
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%q: error %v, want one naming %s", tc.body, err, tc.key)
		}
	}
}
