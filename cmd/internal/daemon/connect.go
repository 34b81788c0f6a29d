package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"xmpprest/adhoc"
	"xmpprest/cmd/internal/config"
	"xmpprest/component"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

// Connect opens the store and attaches to the XMPP server, for the command
// line's administration commands: they run the same operations as the
// HTTP APIs, without HTTP. It returns once the link is up (its
// capabilities discovered) or fails when the server cannot be reached
// within ctx. close detaches and closes the store.
func Connect(ctx context.Context, cfg config.Config, log *slog.Logger) (svc *ops.Service, close func(), err error) {
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, nil, err
	}
	linkCfg, err := linkConfig(cfg, log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	link := component.New(linkCfg)
	if err := link.Start(context.Background()); err != nil {
		st.Close()
		return nil, nil, err
	}
	if err := link.WaitUp(ctx); err != nil {
		link.Close()
		st.Close()
		return nil, nil, fmt.Errorf("cannot attach to the XMPP server at %s (xmpp.address): is it running, and does it listen for components there? (%w)", cfg.XMPP.Address, err)
	}
	node, _ := os.Hostname()
	svc = &ops.Service{Link: link, Adhoc: adhoc.New(link), Store: st, Log: log, Node: node}
	return svc, func() { link.Close(); st.Close() }, nil
}
