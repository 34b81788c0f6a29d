package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
	"xmpprest/component/xmppserver"
)

// runLocalProsody installs (when missing) and starts a Prosody on loopback,
// attaches xmpprest to it with the [http], [store], [auth] and [log]
// sections of the configuration file, and serves until ctx ends. It is the
// quickest way to see xmpprest work.
func runLocalProsody(ctx context.Context, path string) error {
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
	log.Info("local Prosody is up", "component", srv.ComponentAddr, "c2s", srv.C2SAddr,
		"hosts", srv.Hosts, "dir", srv.Dir)
	log.Info("try: curl -H \"Authorization: <[auth] secret of " + path + ">\" http://" + cfg.HTTP.Listen + "/capabilities")
	return daemon.Run(ctx, cfg, log)
}
