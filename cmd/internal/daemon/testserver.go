package daemon

import (
	"path/filepath"
	"time"

	"xmpprest/cmd/internal/config"
	"xmpprest/component/xmppserver"
)

// TestServerConfig returns the configuration of an xmpprest attached to s,
// a server the harness started on loopback (c2s without TLS), with its
// database in dir and the API secret given; for tests and tools.
func TestServerConfig(s *xmppserver.Server, dir, apiSecret string) config.Config {
	cfg := config.Default()
	cfg.XMPP.Address = s.ComponentAddr
	cfg.XMPP.JID = s.ComponentJID
	cfg.XMPP.Secret = s.Secret
	cfg.XMPP.Hosts = s.Hosts
	cfg.XMPP.C2SAddress = s.C2SAddr
	cfg.XMPP.C2STLS = "none"
	cfg.XMPP.Timeout.Duration = 5 * time.Second
	cfg.XMPP.ReconnectMax.Duration = time.Second
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.Path = filepath.Join(dir, "xmpprest.db")
	cfg.Auth.Secret = apiSecret
	return cfg
}
