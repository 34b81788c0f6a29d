package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"xmpprest/httpapi/ops"
)

// Principal is who made a request, and what it may act on.
type Principal struct {
	// Name identifies the caller in logs and the audit log: "secret" for
	// the shared secret, a bare JID for a Basic login, a token's name.
	Name string
	// Method is how it authenticated: "secret", "basic", "token".
	Method string
	// Role, Host and User are its scope (see ops.Actor).
	Role ops.Role
	Host string
	User jid.JID
}

// Actor returns the ops.Actor of the request r: its principal's name and
// scope (RoleNone when unauthenticated), client address and request ID.
func Actor(r *http.Request) ops.Actor {
	a := ops.Actor{ClientAddress: ClientAddress(r), RequestID: RequestID(r.Context())}
	if p, ok := PrincipalFrom(r.Context()); ok {
		a.Name, a.Role, a.Host, a.User = p.Name, p.Role, p.Host, p.User
	}
	return a
}

// ClientAddress is the caller's IP address (without the port).
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// PrincipalFrom returns the authenticated caller of the request ctx belongs
// to.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey).(Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p. The access log of the request
// names p too.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	if slot, ok := ctx.Value(logSlotKey).(*logSlot); ok {
		slot.actor = p.Name
	}
	return context.WithValue(ctx, principalKey, p)
}

// ErrUnauthorized is returned for missing or wrong credentials.
var ErrUnauthorized = errors.New("missing or wrong credentials")

// PasswordChecker checks an XMPP password by a real login; it returns
// ErrUnauthorized (or an error wrapping it) for wrong credentials.
type PasswordChecker func(ctx context.Context, user jid.JID, password string) error

// AdminAuth authenticates admin API calls: the shared secret as the whole
// Authorization header (compared in constant time), or HTTP Basic for a JID
// listed as admin, whose password the XMPP server checks. A success is
// remembered for CacheTTL under a hash of the credentials; the password
// itself is never kept.
type AdminAuth struct {
	Secret   string
	Admins   []string
	Check    PasswordChecker
	CacheTTL time.Duration
	// Limiter, when set, caps the failed attempts per client address and
	// per account (see Authenticate).
	Limiter *LoginLimiter

	mu    sync.Mutex
	cache map[[32]byte]time.Time
}

// authenticate returns the caller of r, ErrUnauthorized, or another error
// when the credentials could not be checked (the XMPP server is down). See
// Authenticate for the limit on failed attempts.
func (a *AdminAuth) authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Principal{}, ErrUnauthorized
	}
	if a.Secret != "" && subtle.ConstantTimeCompare([]byte(h), []byte(a.Secret)) == 1 {
		return Principal{Name: "secret", Method: "secret", Role: ops.RoleServiceAdmin}, nil
	}
	if len(a.Admins) == 0 || a.Check == nil {
		return Principal{}, ErrUnauthorized
	}
	user, password, ok := r.BasicAuth()
	if !ok || password == "" {
		return Principal{}, ErrUnauthorized
	}
	j, err := jid.Parse(user)
	if err != nil || j.Localpart() == "" {
		return Principal{}, ErrUnauthorized
	}
	bare := j.Bare().String()
	if !a.isAdmin(bare) {
		return Principal{}, ErrUnauthorized
	}
	p := Principal{Name: bare, Method: "basic", Role: ops.RoleServiceAdmin}
	key := sha256.Sum256([]byte(bare + "\x00" + password))
	if a.cached(key) {
		return p, nil
	}
	if err := a.Check(r.Context(), j.Bare(), password); err != nil {
		return Principal{}, err
	}
	a.remember(key)
	return p, nil
}

func (a *AdminAuth) isAdmin(bare string) bool {
	for _, adm := range a.Admins {
		if adm == bare {
			return true
		}
	}
	return false
}

func (a *AdminAuth) cached(key [32]byte) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.cache[key]
	if ok && time.Now().Before(exp) {
		return true
	}
	delete(a.cache, key)
	return false
}

func (a *AdminAuth) remember(key [32]byte) {
	if a.CacheTTL <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cache == nil {
		a.cache = map[[32]byte]time.Time{}
	}
	now := time.Now()
	if len(a.cache) > 1024 {
		for k, exp := range a.cache {
			if now.After(exp) {
				delete(a.cache, k)
			}
		}
	}
	a.cache[key] = now.Add(a.CacheTTL)
}

// Middleware returns middleware that lets authenticated requests through
// and answers the others with unauthorized (401 for wrong credentials) or
// unavailable (credentials that could not be checked); each is written by
// the dialect's own error writer.
func (a *AdminAuth) Middleware(unauthorized func(http.ResponseWriter, *http.Request), unavailable func(http.ResponseWriter, *http.Request, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, err := a.Authenticate(r)
			switch {
			case err == nil:
				next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
			case errors.Is(err, ErrUnauthorized):
				unauthorized(w, r)
			default:
				setRetryAfterOf(w, err)
				unavailable(w, r, err)
			}
		})
	}
}
