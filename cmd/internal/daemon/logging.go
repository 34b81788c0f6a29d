package daemon

import (
	"context"
	"io"
	"log/slog"

	"xmpprest/cmd/internal/config"
	"xmpprest/component"
)

// NewLogger returns the logger [log] configures: text or JSON lines on w
// at the configured level. A line logged with a context that carries a
// request ID (see component.WithRequestID) names it as request_id, so the
// HTTP access line and the XMPP lines of one request can be matched.
// Secrets are never passed to the logger: configuration values, request
// headers and bodies, and stanza payloads stay out of it.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(requestIDHandler{h})
}

// requestIDHandler adds the context's request ID to records that do not
// name one.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := component.RequestID(ctx); id != "" {
		named := false
		r.Attrs(func(a slog.Attr) bool {
			named = a.Key == "request_id"
			return !named
		})
		if !named {
			r = r.Clone()
			r.AddAttrs(slog.String("request_id", id))
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
