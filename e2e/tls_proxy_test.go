package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jitgit test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestHTTPS: with tls_cert and tls_key the Git side speaks HTTPS, session
// cookies are Secure, and a client that trusts the certificate clones.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	cert, key := selfSigned(t, t.TempDir())
	s := startServer(t, fmt.Sprintf("tls_cert = %q\ntls_key = %q\n", cert, key))
	s.url = strings.Replace(s.url, "http://", "https://", 1)
	work := t.TempDir()
	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(work, false, "", "jitgit", "user", "add", "alice")
	token, _ := s.run(work, false, "", "jitgit", "user", "token", "create", "alice")
	s.run(work, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "read", "--for", "1h")
	url := strings.Replace(s.url, "https://", "https://alice:"+token+"@", 1) + "/acme/payments.git"
	_, stderr := s.run(work, true, "", "git", "ls-remote", url)
	if !strings.Contains(stderr, "certificate") {
		t.Fatalf("an untrusted certificate was accepted: %s", stderr)
	}
	s.env = append(s.env, "GIT_SSL_CAINFO="+cert)
	s.run(work, false, "", "git", "clone", url, "payments")

	pool := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(s.url + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) == 0 {
		t.Fatal("the sign-in page set no cookie")
	}
	for _, c := range resp.Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s is not Secure over HTTPS", c.Name)
		}
	}
	// Plain HTTP on the same port is refused.
	resp, err = http.Get(strings.Replace(s.url, "https://", "http://", 1) + "/signin")
	if err == nil && resp.StatusCode == http.StatusOK {
		t.Fatal("plain HTTP served a page on the HTTPS port")
	}
}

// TestTrustedProxyAddressInAudit: behind a trusted proxy the audit trail
// records the client's address from X-Forwarded-For; a client's own header
// is ignored when it does not come from a trusted proxy.
func TestTrustedProxyAddressInAudit(t *testing.T) {
	t.Parallel()
	s := startServer(t, "trusted_proxies = [\"127.0.0.1\"]\n")
	work := t.TempDir()

	s.run(work, false, "", "jitgit", "repo", "create", "acme/payments")
	req, _ := http.NewRequest("GET", s.url+"/acme/payments.git/info/refs?service=git-upload-pack", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.77")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out, _ := s.run(work, false, "", "jitgit", "audit", "list", "--action", "access.read")
	if !strings.Contains(out, "203.0.113.77") {
		t.Fatalf("the audit trail does not show the forwarded client address:\n%s", out)
	}
}

// TestHealthz: load balancers get 200 "ok" without signing in.
func TestHealthz(t *testing.T) {
	t.Parallel()
	s := startServer(t, "")
	resp, err := http.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(b) != "ok\n" {
		t.Fatalf("health check: %d %q", resp.StatusCode, b)
	}
	// Ready: the store and the repository root take writes in time.
	resp, err = http.Get(s.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ = io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(b) != "ready\n" {
		t.Fatalf("readiness: %d %q", resp.StatusCode, b)
	}
}
