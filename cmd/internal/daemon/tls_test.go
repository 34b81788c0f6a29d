package daemon

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"xmpprest/cmd/internal/config"
)

// writeCert writes a self-signed certificate for 127.0.0.1 named cn to
// certFile and keyFile.
func writeCert(t *testing.T, certFile, keyFile, cn string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}

// servedName returns the common name of the certificate the server shows.
func servedName(t *testing.T, addr string) string {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName
}

// With tls.cert and tls.key the REST APIs are served over HTTPS, and
// SIGHUP makes xmpprest read the files again.
func TestTLSAndReloadOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeCert(t, certFile, keyFile, "first")
	d := startDetached(t, func(c *config.Config) { c.TLS.Cert, c.TLS.Key = certFile, keyFile })
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Get("https://" + d.Addr() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("HTTPS /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if r, err := http.Get("http://" + d.Addr() + "/healthz"); err == nil {
		r.Body.Close()
		if r.StatusCode == 200 {
			t.Fatal("plain HTTP is served on a TLS listener")
		}
	}
	if got := servedName(t, d.Addr()); got != "first" {
		t.Fatalf("served certificate %q, want first", got)
	}
	writeCert(t, certFile, keyFile, "second")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for servedName(t, d.Addr()) != "second" {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP did not reload the certificate")
		}
		time.Sleep(20 * time.Millisecond)
	}
	os.WriteFile(certFile, []byte("not a certificate"), 0o600)
	if err := d.ReloadTLS(); err == nil {
		t.Fatal("a broken certificate file was accepted")
	}
	if got := servedName(t, d.Addr()); got != "second" {
		t.Fatalf("after a failed reload the server shows %q, want the previous certificate", got)
	}
}

// CORS is off by default (no header, so browsers refuse cross-origin
// calls); listed origins get the headers and their preflights answered.
func TestCORS(t *testing.T) {
	preflight := func(d *Daemon, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, "http://"+d.Addr()+"/plugins/restapi/v1/users", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	off := startDetached(t, nil)
	if resp := preflight(off, "https://app.example"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS header sent with CORS off: %v", resp.Header)
	}
	on := startDetached(t, func(c *config.Config) { c.CORS.AllowedOrigins = []string{"https://app.example"} })
	resp := preflight(on, "https://app.example")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Access-Control-Allow-Headers") == "" {
		t.Fatalf("preflight from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := preflight(on, "https://evil.example"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS header for an origin not listed: %v", resp.Header)
	}
}
