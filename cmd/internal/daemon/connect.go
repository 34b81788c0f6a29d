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

// Attached is xmpprest attached to the XMPP server without serving HTTP.
type Attached struct {
	Ops   *ops.Service
	Link  *component.Link
	Adhoc *adhoc.Client
	Store *store.Store
}

// Close detaches and closes the store.
func (a *Attached) Close() {
	a.Link.Close()
	a.Store.Close()
}

// Connect opens the store and attaches to the XMPP server, for the command
// line's administration commands: they run the same operations as the
// HTTP APIs, without HTTP. It returns once the link is up (its
// capabilities discovered) or fails when the server cannot be reached
// within ctx.
func Connect(ctx context.Context, cfg config.Config, log *slog.Logger) (*Attached, error) {
	a, err := detached(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := a.Link.Start(context.Background()); err != nil {
		a.Store.Close()
		return nil, err
	}
	if err := a.Link.WaitUp(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("cannot attach to the XMPP server at %s (xmpp.address): is it running, and does it listen for components there? (%w)", cfg.XMPP.Address, err)
	}
	return a, nil
}

// detached opens the store and makes the link (not started) and the
// operations over them.
func detached(ctx context.Context, cfg config.Config, log *slog.Logger) (*Attached, error) {
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	linkCfg, err := linkConfig(cfg, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	link := component.New(linkCfg)
	node, _ := os.Hostname()
	a := &Attached{Link: link, Adhoc: adhoc.New(link), Store: st}
	a.Ops = &ops.Service{Link: link, Adhoc: a.Adhoc, Store: st, Log: log, Node: node}
	return a, nil
}
