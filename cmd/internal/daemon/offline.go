package daemon

import (
	"context"
	"log/slog"

	"xmpprest/cmd/internal/config"
	"xmpprest/httpapi/ops"
)

// Offline opens the store and returns the operations without attaching to
// the XMPP server, for the command line's own commands (tokens): those that
// need the server fail with the link down. close closes the store.
func Offline(ctx context.Context, cfg config.Config, log *slog.Logger) (svc *ops.Service, close func() error, err error) {
	a, err := detached(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return a.Ops, a.Store.Close, nil
}
