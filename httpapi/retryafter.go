package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"xmpprest/component/fault"
)

// SetRetryAfter sets the Retry-After header to d in whole seconds (at least
// one).
func SetRetryAfter(h http.Header, d time.Duration) {
	secs := int64((d + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
}

// setRetryAfterOf sets Retry-After from err when it carries a hint (see
// fault.Error.RetryAfter).
func setRetryAfterOf(w http.ResponseWriter, err error) {
	if d := fault.RetryAfterOf(err); d > 0 {
		SetRetryAfter(w.Header(), d)
	}
}

// withRetryAfter gives every 503 a Retry-After header, whichever dialect
// or handler wrote it: the hint of the fault when the dialect set it, else
// hint() (the XMPP link's reconnect backoff), else one second.
func withRetryAfter(hint func() time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&retryAfterWriter{ResponseWriter: w, hint: hint}, r)
		})
	}
}

type retryAfterWriter struct {
	http.ResponseWriter
	hint        func() time.Duration
	wroteHeader bool
}

func (w *retryAfterWriter) WriteHeader(code int) {
	if !w.wroteHeader && (code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests) &&
		w.Header().Get("Retry-After") == "" {
		d := time.Second
		if w.hint != nil && code == http.StatusServiceUnavailable {
			d = w.hint()
		}
		SetRetryAfter(w.Header(), d)
	}
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *retryAfterWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *retryAfterWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes flushes through, for streamed responses.
func (w *retryAfterWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
