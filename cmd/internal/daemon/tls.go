package daemon

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"xmpprest/cmd/internal/config"
)

// certificate holds the HTTP side's TLS certificate, replaced on reload.
type certificate struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

func (c *certificate) load() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("tls.cert %s and tls.key %s: %w", c.certFile, c.keyFile, err)
	}
	c.cur.Store(&cert)
	return nil
}

func (c *certificate) get(*tls.ClientHelloInfo) (*tls.Certificate, error) { return c.cur.Load(), nil }

// serveTLS wraps ln in TLS with the certificate of cfg when one is
// configured, and reloads it on SIGHUP until shutdown (a failed reload
// keeps the previous certificate and is logged).
func (d *Daemon) serveTLS(cfg config.Config, ln net.Listener) (net.Listener, error) {
	if cfg.TLS.Cert == "" {
		return ln, nil
	}
	d.cert = &certificate{certFile: cfg.TLS.Cert, keyFile: cfg.TLS.Key}
	if err := d.cert.load(); err != nil {
		return nil, err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	stop := make(chan struct{})
	d.stopTLS = func() {
		signal.Stop(hup)
		close(stop)
	}
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-hup:
				if err := d.ReloadTLS(); err != nil {
					d.log.Error("TLS certificate not reloaded; the previous one stays in use", "err", err)
				} else {
					d.log.Info("TLS certificate reloaded", "cert", cfg.TLS.Cert)
				}
			}
		}
	}()
	return tls.NewListener(ln, &tls.Config{GetCertificate: d.cert.get, MinVersion: tls.VersionTLS12}), nil
}

// ReloadTLS reads the certificate and key files again (what SIGHUP does).
func (d *Daemon) ReloadTLS() error {
	if d.cert == nil {
		return fmt.Errorf("TLS is not configured (tls.cert, tls.key)")
	}
	return d.cert.load()
}
