package daemon

import (
	"context"
	"log/slog"
	"os"

	"xmpprest/adhoc"
	"xmpprest/cmd/internal/config"
	"xmpprest/component"
	"xmpprest/httpapi/ops"
	"xmpprest/store"
)

// Offline opens the store and returns the operations without attaching to
// the XMPP server, for the command line's own commands (tokens): those that
// need the server fail with the link down. close closes the store.
func Offline(ctx context.Context, cfg config.Config, log *slog.Logger) (svc *ops.Service, close func() error, err error) {
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
	node, _ := os.Hostname()
	return &ops.Service{Link: link, Adhoc: adhoc.New(link), Store: st, Log: log, Node: node}, st.Close, nil
}
