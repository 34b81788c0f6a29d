package component

import "context"

type requestIDKey struct{}

// WithRequestID returns ctx carrying the ID of the request (an HTTP
// request, a command) that an XMPP exchange serves, so that the link's
// log lines name it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
