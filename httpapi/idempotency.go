package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"xmpprest/component/fault"
	"xmpprest/store"
)

// IdempotencyHeader names the header that makes a write safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// ReplayedHeader marks an answer returned again for a retried key.
const ReplayedHeader = "Idempotent-Replayed"

// maxKeptAnswer bounds the body of an answer kept for a key; a larger one
// is not kept (a retry then runs again).
const maxKeptAnswer = 1 << 20

// Idempotency makes writes (POST, PUT, PATCH, DELETE) that carry an
// Idempotency-Key safe to retry, in every dialect: the first answer a
// caller got for a key is kept for TTL, and a retry with the same key,
// credentials, method, path and body gets that answer again, marked
// Idempotent-Replayed, without the change being made twice.
//
//   - Only final answers are kept: 2xx and 4xx, except 401 and 429. A 5xx
//     (the XMPP server down, or the outcome unknown) is not kept, so a
//     retry runs again; its answer then tells what is true (a 409 when the
//     first attempt had created the thing after all).
//   - Only answers to authenticated callers are kept, under a hash of the
//     credentials; a key is private to the credentials that used it. The
//     answers of public routes (sign-ins, which hand out tokens) and those
//     marked Cache-Control: no-store are never kept.
//   - The same key with another request is refused (400), and a retry
//     while the first request is still running is refused (409).
type Idempotency struct {
	Store *store.Store
	TTL   time.Duration

	mu       sync.Mutex
	inFlight map[string]bool
}

// middleware is the router middleware; errs writes its refusals in the
// dialect's shape.
func (id *Idempotency) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(IdempotencyHeader)
		if id == nil || id.Store == nil || key == "" || !isWrite(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		errs := errorWriterFor(r)
		if !validIdempotencyKey(key) {
			errs(w, r, fault.New(fault.BadRequest, "the Idempotency-Key must be 1 to 255 visible ASCII characters"))
			return
		}
		scope := credentialScope(r)
		lock := scope + "\x00" + key
		if !id.claim(lock) {
			errs(w, r, fault.New(fault.Conflict, "a request with this Idempotency-Key is still being served; retry once it has been answered"))
			return
		}
		defer id.release(lock)

		ctx := r.Context()
		kept, err := id.Store.IdempotentAnswer(ctx, scope, key, time.Now().Add(-id.TTL))
		switch {
		case err == nil:
			// Only an authenticated caller's answers are kept, under the
			// hash of its credentials: reading this body is reading the
			// body of a caller already known.
			fp, ferr := fingerprint(r)
			if ferr != nil {
				errs(w, r, ferr)
				return
			}
			if fp != kept.Fingerprint {
				errs(w, r, fault.New(fault.BadRequest, "this Idempotency-Key was used for another request (method, path or body differ); use a new key for a new request"))
				return
			}
			replay(w, kept)
			return
		case !errors.Is(err, store.ErrNotFound):
			errs(w, r, fault.Wrap(fault.Unavailable, err, "cannot read the answers kept for Idempotency-Key"))
			return
		}

		h := sha256.New()
		writeFingerprintHead(h, r)
		body := &hashingBody{ReadCloser: r.Body, h: h}
		r.Body = body
		rec := &answerRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		if !rec.keep() || !authenticated(ctx) {
			return
		}
		// The caller is authenticated: hash what the handler left unread
		// so the fingerprint covers the whole body.
		if _, err := io.Copy(io.Discard, body); err != nil {
			return
		}
		answer := store.IdempotentAnswer{
			Scope: scope, Key: key, Fingerprint: hex.EncodeToString(h.Sum(nil)),
			Status: rec.status, Header: keptHeaders(rec.Header()), Body: rec.buf.Bytes(), Created: time.Now(),
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		id.Store.PutIdempotentAnswer(sctx, answer)
	})
}

func (id *Idempotency) claim(lock string) bool {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.inFlight == nil {
		id.inFlight = map[string]bool{}
	}
	if id.inFlight[lock] {
		return false
	}
	id.inFlight[lock] = true
	return true
}

func (id *Idempotency) release(lock string) {
	id.mu.Lock()
	defer id.mu.Unlock()
	delete(id.inFlight, lock)
}

// Purge forgets the answers older than TTL.
func (id *Idempotency) Purge(ctx context.Context) (int64, error) {
	return id.Store.PurgeIdempotentAnswers(ctx, time.Now().Add(-id.TTL))
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func validIdempotencyKey(k string) bool {
	if len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// credentialScope is a hash of everything that can authenticate r: the
// Authorization header, cookies and the legacy "secret" query parameter.
func credentialScope(r *http.Request) string {
	h := sha256.New()
	io.WriteString(h, "xmpprest idempotency scope\x00")
	io.WriteString(h, r.Header.Get("Authorization"))
	h.Write([]byte{0})
	io.WriteString(h, r.Header.Get("Cookie"))
	h.Write([]byte{0})
	io.WriteString(h, r.URL.Query().Get("secret"))
	return hex.EncodeToString(h.Sum(nil))
}

func writeFingerprintHead(h hash.Hash, r *http.Request) {
	io.WriteString(h, r.Method+" "+r.URL.RequestURI()+"\x00"+r.Header.Get("Content-Type")+"\x00")
}

// fingerprint hashes r's method, path, query, Content-Type and body.
func fingerprint(r *http.Request) (string, error) {
	h := sha256.New()
	writeFingerprintHead(h, r)
	if _, err := io.Copy(h, r.Body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", errTooLarge(tooBig.Limit)
		}
		return "", fault.Wrap(fault.BadRequest, err, "could not read the request body")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// authenticated reports whether a guard named the caller of the request
// ctx belongs to.
func authenticated(ctx context.Context) bool {
	slot, ok := ctx.Value(logSlotKey).(*logSlot)
	return ok && slot.actor != ""
}

func replay(w http.ResponseWriter, a store.IdempotentAnswer) {
	for k, vs := range a.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set(ReplayedHeader, "true")
	w.WriteHeader(a.Status)
	w.Write(a.Body)
}

// keptHeaders are the headers of an answer worth returning again.
func keptHeaders(h http.Header) http.Header {
	out := http.Header{}
	for _, k := range []string{"Content-Type", "Location", "Allow"} {
		if v := h.Values(k); len(v) > 0 {
			out[k] = v
		}
	}
	return out
}

// hashingBody hashes what is read of a request body.
type hashingBody struct {
	io.ReadCloser
	h hash.Hash
}

func (b *hashingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.h.Write(p[:n])
	return n, err
}

// answerRecorder passes an answer through and keeps a copy of it.
type answerRecorder struct {
	http.ResponseWriter
	status   int
	buf      bytes.Buffer
	overflow bool
}

func (a *answerRecorder) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	if !a.overflow {
		if a.buf.Len()+len(b) > maxKeptAnswer {
			a.overflow = true
			a.buf.Reset()
		} else {
			a.buf.Write(b)
		}
	}
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (a *answerRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// keep reports whether the answer is final and small enough to keep.
func (a *answerRecorder) keep() bool {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	s := a.status
	if strings.Contains(a.Header().Get("Cache-Control"), "no-store") {
		return false // an answer holding a secret says so
	}
	return !a.overflow && s < 500 && s != http.StatusUnauthorized && s != http.StatusTooManyRequests
}

// dialectErrors maps a dialect's prefix to its error writer, so that
// middleware refusals come in the dialect's shape.
var dialectErrors sync.Map // prefix -> ErrorWriter

// errorWriterFor returns the error writer of the dialect r is addressed
// to (the longest matching prefix), or a plain JSON one.
func errorWriterFor(r *http.Request) ErrorWriter {
	var best string
	var found ErrorWriter
	dialectErrors.Range(func(k, v any) bool {
		p := k.(string)
		if strings.HasPrefix(r.URL.Path, p) && len(p) > len(best) {
			best, found = p, v.(ErrorWriter)
		}
		return true
	})
	if found != nil {
		return found
	}
	return func(w http.ResponseWriter, r *http.Request, err error) {
		WriteJSON(w, StatusOf(fault.KindOf(err)), map[string]string{"error": fault.Message(err)})
	}
}
