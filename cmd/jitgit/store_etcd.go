package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// dialEtcd connects to the etcd of cfg, with its client certificate and
// CA when given, and checks within the dial timeout that the cluster
// answers. Everything that talks to etcd uses the client it returns; close
// it when done.
func dialEtcd(ctx context.Context, cfg StoreConfig) (*clientv3.Client, error) {
	var tlsCfg *tls.Config
	if cfg.TLSCert != "" || cfg.TLSCA != "" || anyHTTPS(cfg.Endpoints) {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.TLSCert != "" {
			pair, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
			if err != nil {
				return nil, fmt.Errorf("store.tls_cert, store.tls_key: %w", err)
			}
			tlsCfg.Certificates = []tls.Certificate{pair}
		}
		if cfg.TLSCA != "" {
			pem, err := os.ReadFile(cfg.TLSCA)
			if err != nil {
				return nil, fmt.Errorf("store.tls_ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("store.tls_ca %s: no PEM certificate in it", cfg.TLSCA)
			}
			tlsCfg.RootCAs = pool
		}
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: cfg.Endpoints, DialTimeout: cfg.DialTimeout, TLS: tlsCfg,
		Logger: zap.NewNop(), Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("connect to etcd at %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	// One linearizable read: etcd answers only with a quorum.
	if _, err := cli.Get(sctx, "health"); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcd at %s does not answer within %v: %w (check store.endpoints, the TLS settings, and that a majority of the members are up)",
			strings.Join(cfg.Endpoints, ","), cfg.DialTimeout, err)
	}
	return cli, nil
}

func anyHTTPS(endpoints []string) bool {
	for _, e := range endpoints {
		if strings.HasPrefix(e, "https://") {
			return true
		}
	}
	return false
}
