package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/storage/etcdstore"
)

// StoreConfig is the [store] section: which backend keeps the records,
// and how to reach etcd when it is etcd.
type StoreConfig struct {
	// Backend is "badger" (the default: <data>/db) or "etcd".
	Backend string
	// Endpoints are the etcd client URLs (http:// or https://).
	Endpoints []string
	// Prefix is put before every key, so that several installations can
	// share one etcd; it starts and ends with '/'.
	Prefix string
	// TLSCert and TLSKey are the client certificate etcd asks for, TLSCA
	// the CA bundle its server certificates are checked against (the
	// system's when empty).
	TLSCert, TLSKey, TLSCA string
	// DialTimeout bounds connecting; RequestTimeout every call.
	DialTimeout, RequestTimeout time.Duration
	// MaxTxnOps is the etcd servers' --max-txn-ops.
	MaxTxnOps int
}

// Store backends.
const (
	backendBadger = "badger"
	backendEtcd   = "etcd"
)

func defaultStoreConfig() StoreConfig {
	return StoreConfig{Backend: backendBadger, Prefix: etcdstore.DefaultPrefix, DialTimeout: 5 * time.Second,
		RequestTimeout: etcdstore.DefaultRequestTimeout, MaxTxnOps: etcdstore.DefaultMaxTxnOps}
}

// storeFile is the TOML shape of [store].
type storeFile struct {
	Backend        string   `toml:"backend"`
	Endpoints      []string `toml:"endpoints"`
	Prefix         string   `toml:"prefix"`
	TLSCert        string   `toml:"tls_cert"`
	TLSKey         string   `toml:"tls_key"`
	TLSCA          string   `toml:"tls_ca"`
	DialTimeout    string   `toml:"dial_timeout"`
	RequestTimeout string   `toml:"request_timeout"`
	MaxTxnOps      int      `toml:"max_txn_ops"`
}

// loadStore reads [store] and the top-level repos key; every bad value is
// refused with the key it is under.
func loadStore(f *fileConfig, cfg *Config) error {
	if f.Repos != "" {
		cfg.Repos = f.Repos
	}
	s := f.Store
	st := &cfg.Store
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch s.Backend {
	case "":
	case backendBadger, backendEtcd:
		st.Backend = s.Backend
	default:
		bad("store.backend %q: use \"badger\" or \"etcd\"", s.Backend)
	}
	etcdOnly := map[string]bool{"store.endpoints": len(s.Endpoints) > 0, "store.prefix": s.Prefix != "", "store.tls_cert": s.TLSCert != "",
		"store.tls_key": s.TLSKey != "", "store.tls_ca": s.TLSCA != "", "store.dial_timeout": s.DialTimeout != "",
		"store.request_timeout": s.RequestTimeout != "", "store.max_txn_ops": s.MaxTxnOps != 0}
	if st.Backend != backendEtcd {
		for _, k := range []string{"store.endpoints", "store.prefix", "store.tls_cert", "store.tls_key", "store.tls_ca", "store.dial_timeout", "store.request_timeout", "store.max_txn_ops"} {
			if etcdOnly[k] {
				bad("%s is only for store.backend = \"etcd\"", k)
			}
		}
		return errors.Join(errs...)
	}
	if len(s.Endpoints) == 0 {
		bad("store.endpoints: store.backend = \"etcd\" needs at least one etcd client URL, such as \"https://etcd1:2379\"")
	}
	for i, e := range s.Endpoints {
		if err := checkEndpoint(e); err != nil {
			bad("store.endpoints[%d]: %w", i, err)
		}
	}
	st.Endpoints = s.Endpoints
	if s.Prefix != "" {
		if err := checkPrefix(s.Prefix); err != nil {
			bad("store.prefix: %w", err)
		}
		st.Prefix = s.Prefix
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		bad("store.tls_cert and store.tls_key go together: give both or neither")
	}
	st.TLSCert, st.TLSKey, st.TLSCA = s.TLSCert, s.TLSKey, s.TLSCA
	dur := func(key, v string, dst *time.Duration) {
		if v == "" {
			return
		}
		d, err := auth.ParseDuration(v, 0)
		if err != nil || d <= 0 {
			bad("%s %q: give a positive duration such as \"5s\"", key, v)
			return
		}
		*dst = d
	}
	dur("store.dial_timeout", s.DialTimeout, &st.DialTimeout)
	dur("store.request_timeout", s.RequestTimeout, &st.RequestTimeout)
	switch {
	case s.MaxTxnOps == 0:
	case s.MaxTxnOps < 64:
		bad("store.max_txn_ops %d: at least 64 (etcd's default --max-txn-ops is 128)", s.MaxTxnOps)
	default:
		st.MaxTxnOps = s.MaxTxnOps
	}
	return errors.Join(errs...)
}

// checkEndpoint accepts an etcd client URL: http or https, a host, no path.
func checkEndpoint(e string) error {
	u, err := url.Parse(e)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%q: give an etcd client URL such as \"https://etcd1:2379\"", e)
	}
	return nil
}

// checkPrefix accepts a key prefix that starts and ends with '/' and
// holds printable characters only.
func checkPrefix(p string) error {
	if len(p) < 2 || !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
		return fmt.Errorf("%q: start and end it with '/', such as \"/jitgit/\"", p)
	}
	for _, r := range p {
		if r < 0x21 || r == 0x7f {
			return fmt.Errorf("%q: no spaces or control characters", p)
		}
	}
	return nil
}
