package httpapi

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"xmpprest/component"
	"xmpprest/component/fault"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	principalKey
	logSlotKey
	bodyLimitKey
	loginLimiterKey
)

// logSlot is where authentication, deeper in the chain and on a derived
// request, leaves the caller's name for the access log.
type logSlot struct{ actor string }

// RequestID returns the ID of the request ctx belongs to.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// withRequestID takes the caller's X-Request-ID when it is sane, makes one
// otherwise, and echoes it in the response.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !saneID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", id)
		ctx := component.WithRequestID(context.WithValue(r.Context(), requestIDKey, id), id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines (SSE).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush passes flushes through, for streamed responses.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes hijacking through.
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := s.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijacking not supported")
}

// withAccessLog logs one line per request. It never logs headers or bodies,
// so credentials stay out of the log.
func withAccessLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			slot := &logSlot{}
			next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logSlotKey, slot)))
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", loggedPath(r)),
				slog.Int("status", rec.status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("took", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
				slog.String("request_id", RequestID(r.Context())),
			}
			if slot.actor != "" {
				attrs = append(attrs, slog.String("actor", slot.actor))
			}
			log.LogAttrs(r.Context(), level, "http", attrs...)
		})
	}
}

// withRecovery turns a panic into a 500 and logs its stack: the process
// never dies of one request.
func withRecovery(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				p := recover()
				if p == nil || p == http.ErrAbortHandler {
					if p != nil {
						panic(p)
					}
					return
				}
				log.Error("panic serving request", "panic", p, "path", r.URL.EscapedPath(),
					"request_id", RequestID(r.Context()), "stack", string(debug.Stack()))
				WriteJSON(w, http.StatusInternalServerError, map[string]string{
					"error": "internal error", "requestId": RequestID(r.Context())})
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// withBodyLimit bounds request bodies to limit bytes (readers get an
// *http.MaxBytesError). It answers nothing itself: ReadBody reports a body
// over the limit, announced by Content-Length or found while reading a
// chunked one, as fault.TooLarge, which each dialect writes as a 413 in its
// own error shape.
func withBodyLimit(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyLimitKey, limit)))
		})
	}
}

// errTooLarge is the fault of a body over limit bytes.
func errTooLarge(limit int64) error {
	return fault.New(fault.TooLarge, "the request body is larger than the limit of %d bytes", limit)
}
