package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/component/xmppserver"
)

// runLocalProsody installs Prosody (when missing) and starts it on loopback,
// attaches xmpprest to it with the [http], [auth] and [log] sections of the
// configuration file, and serves until ctx ends. It is the quickest way to
// see xmpprest work.
//
// Both halves start fresh every time and are thrown away at exit: the
// Prosody's accounts and rooms and xmpprest's database live in one
// temporary folder, so the two never disagree about who exists.
func runLocalProsody(ctx context.Context, path string, out io.Writer) error {
	cfg, err := config.Load(path, os.Environ())
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	log.Info("starting a local Prosody on loopback (installing it first if needed)")
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	srv, err := xmppserver.Start(startCtx, xmppserver.Prosody, xmppserver.Options{
		Hosts:        cfg.XMPP.Hosts,
		ComponentJID: cfg.XMPP.JID,
	})
	if err != nil {
		return fmt.Errorf("start a local Prosody: %w", err)
	}
	defer srv.Close()
	cfg.XMPP.Address = srv.ComponentAddr
	cfg.XMPP.Secret = srv.Secret
	cfg.XMPP.C2SAddress = srv.C2SAddr
	cfg.XMPP.C2STLS = "none" // loopback only
	cfg.XMPP.MUCService = srv.MUCService
	cfg.Store.Path = filepath.Join(srv.Dir, "xmpprest.db")
	if cfg.Auth.Secret == "" {
		cfg.Auth.Secret = randomSecret()
	}
	log.Info("local Prosody is up; its data and xmpprest's database are thrown away at exit",
		"component", srv.ComponentAddr, "c2s", srv.C2SAddr, "hosts", srv.Hosts, "dir", srv.Dir)

	go announceWhenReady(ctx, cfg, out)
	return daemon.Run(ctx, cfg, log)
}

// announceWhenReady waits until the service answers /readyz and then prints
// where it is, the secret to use and a first call that works as pasted.
func announceWhenReady(ctx context.Context, cfg config.Config, out io.Writer) {
	base := "http://" + cfg.HTTP.Listen
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for {
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			return
		case <-tick.C:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
	}
	fmt.Fprintf(out, `
xmpprest is ready at %[1]s (stop it with Ctrl-C)
  admin secret: %[2]s
  try:          curl -H 'Authorization: %[2]s' -H 'Accept: application/json' %[1]s/plugins/restapi/v1/users
  status page:  %[1]s/ (in a browser: any user name, the admin secret as password)
  API page:     %[1]s/api
  API tokens:   XMPPREST_STORE_PATH=%[3]s go run ./cmd/xmpprest token create --scope admin

`, base, cfg.Auth.Secret, cfg.Store.Path)
}

func randomSecret() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
